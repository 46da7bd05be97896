// The Edit session details page, /sessions/{id}/edit: the "Edit session" tab (details, mentees, image;
// Save → updateSession with only the changed fields) and the "Meeting link" tab (Submit → updateMeeting).
// The details can change only while the session is upcoming (R1), the meeting also while it is live
// (R2), so a live session opens on the Meeting link tab with the other tab off and the reason shown.

import { graphql, graphqlUpload } from '../common/graphql.js';
import { breadcrumbs, fill, h } from '../common/dom.js';
import { FormErrors } from '../common/forms.js';
import { confirmLeaving, navigate, registerRoute, setPageTitle, urlWithTab } from '../common/router.js';
import { plural, TYPE_LABELS } from '../common/format.js';
import { DETAIL_LABELS, detailFields, meetingFields, sessionValues, valueText } from './session-form.js';
import { formConflicts } from './edit-conflicts.js';
import { followSession } from '../common/live.js';
import { mountMentorTimeline } from '../calendar/mentor-timeline.js';
import { imageControls } from './session-image.js';
import { menteesCard } from './edit-mentees.js';
import { announce } from '../common/notice.js';
import { LAST_LIST_KEY, SESSIONS_CHANGED_EVENT, statusBadge } from '../list/sessions-list.js';
import { loadSession } from './session-details.js';

const SESSION_FIELDS = `id version title description type status startsAt durationMinutes timeZone
    mentor { id name email }
    menteeCount enrolledCount invitedCount seatsLimit seatsLeft
    mentees { id name email designation kind }
    recommendedFor categories medium remindersEnabled
    meeting { platform link passcode }
    imageUrl
    canEdit editBlockedReason canEditMeeting meetingEditBlockedReason`;
const SESSION_QUERY = `query EditSession($id: ID!) { session(id: $id) { ${SESSION_FIELDS} } }`;
const PAYLOAD = `session { ${SESSION_FIELDS} } errors { field code message }`;

// Every change from this page names the version it was made from (expectedVersion): a change someone
// else saved meanwhile is never overwritten unseen; the answer is STALE with the session as it is now.
const UPDATE_SESSION = `mutation UpdateSession($id: ID!, $input: UpdateSessionInput!, $notify: Boolean!, $expectedVersion: Int) {
  updateSession(id: $id, input: $input, notify: $notify, expectedVersion: $expectedVersion) { ${PAYLOAD} }
}`;
const UPDATE_MEETING = `mutation UpdateMeeting($id: ID!, $input: MeetingInput!, $notify: Boolean!, $expectedVersion: Int) {
  updateMeeting(id: $id, input: $input, notify: $notify, expectedVersion: $expectedVersion) { ${PAYLOAD} }
}`;
const SET_IMAGE = `mutation SetSessionImage($sessionId: ID!, $image: Upload!, $expectedVersion: Int) {
  setSessionImage(sessionId: $sessionId, image: $image, expectedVersion: $expectedVersion) {
    session { id version imageUrl } errors { field code message } }
}`;
const REMOVE_IMAGE = `mutation RemoveSessionImage($sessionId: ID!, $expectedVersion: Int) {
  removeSessionImage(sessionId: $sessionId, expectedVersion: $expectedVersion) {
    session { id version imageUrl } errors { field code message } }
}`;
const UNSAVED = 'Your changes on this page are not saved yet. Leave without saving them?';

const TABS = [
  { key: 'details', label: 'Edit session', panelId: 'edit-session-panel' },
  { key: 'meeting', label: 'Meeting link', panelId: 'meeting-link-panel' },
];

function notifyBox(id, text) {
  return h(
    'label',
    { class: 'check notify-check', for: id },
    h('input', { type: 'checkbox', id, checked: true }),
    ` ${text}`,
  );
}

function submitting(button, busyText) {
  const idle = button.textContent;
  button.disabled = true;
  button.textContent = busyText;
  return () => {
    button.disabled = false;
    button.textContent = idle;
  };
}

function detailsForm(session, { errors, details, notify, save, formStatus, onSubmit, conflicts }) {
  return h(
    'form',
    {
      class: 'card form',
      id: 'edit-session-form',
      novalidate: true,
      onsubmit: onSubmit,
      'aria-labelledby': 'edit-details-heading',
    },
    h('h2', { id: 'edit-details-heading' }, 'Session information'),
    h('p', { class: 'hint' }, 'Changes to these fields are kept until you press Save.'),
    errors.summary,
    conflicts.element,
    h(
      'dl',
      { class: 'fields fixed-fields' },
      h('dt', {}, 'Type'),
      h(
        'dd',
        {},
        TYPE_LABELS[session.type] || session.type,
        h('span', { class: 'muted small' }, ' (fixed once published)'),
      ),
      h('dt', {}, 'Mentor'),
      h('dd', {}, session.mentor.name, h('span', { class: 'muted small' }, ' (fixed once published)')),
    ),
    details.element,
    notify,
    h(
      'div',
      { class: 'actions' },
      save,
      h('a', { href: `/sessions/${session.id}`, class: 'button button-quiet' }, 'Cancel'),
    ),
    formStatus,
  );
}

/** An image change's answer for the image card; the page's version follows a change saved. */
function imageAnswer(payload, version) {
  if (payload.session && !payload.errors.length) version.current = payload.session.version;
  return { imageUrl: payload.session && payload.session.imageUrl, errors: payload.errors };
}

/** The image card's control: a new image or a removal is saved at once. */
function sessionImage(session, version) {
  const variables = () => ({ sessionId: session.id, expectedVersion: version.current });
  return imageControls({
    idPrefix: 'session-image',
    imageUrl: session.imageUrl,
    title: () => session.title,
    save: async (file) =>
      imageAnswer((await graphqlUpload(SET_IMAGE, variables(), { image: file })).setSessionImage, version),
    remove: async () => imageAnswer((await graphql(REMOVE_IMAGE, variables())).removeSessionImage, version),
  });
}

const isStale = (payload) => payload.session && payload.errors.some((e) => e.code === 'STALE');

/** Someone saved the session meanwhile (a STALE answer): take their changes in and say what to do. */
function tookIn(conflicts, payload, status) {
  const messages = payload.errors.filter((e) => e.code === 'STALE').map((e) => e.message);
  const { conflicts: left } = conflicts.takeIn(payloadValues(payload.session), payload.session.version, messages);
  status.textContent = left
    ? 'Someone else saved this session meanwhile: choose Keep theirs or Use mine for each field below, then Save.'
    : 'Someone else saved this session meanwhile; their changes are in the form now. Save again to save yours.';
  conflicts.element.scrollIntoView({ block: 'nearest' });
}

function payloadValues(session) {
  return { ...sessionValues(session), ...meetingValues(session.meeting) };
}

function meetingValues(meeting) {
  return { platform: meeting.platform, link: meeting.link || '', passcode: meeting.passcode || '' };
}

/** The conflict offer of a form whose fields are read and written by key. */
function conflictsOf(id, form, values, version) {
  const fields = {};
  for (const key of Object.keys(values)) {
    fields[key] = {
      label: DETAIL_LABELS[key],
      read: () => form.read()[key],
      write: (value) => form.write(key, value),
      text: (value) => valueText(key, value),
    };
  }
  return formConflicts({ id, fields, baseline: values, version });
}

/** The Edit session tab: the details form, and beside it the session image and the mentees. */
function detailsPanel(session, { onSaved, version }) {
  const errors = new FormErrors();
  const details = detailFields({ idPrefix: 'edit', session, errors });
  const values = { read: () => details.read().values, write: details.write };
  const conflicts = conflictsOf('edit-conflicts', values, values.read(), version);
  // The mentor's day with the new time on it (the session itself is left out of the busy blocks).
  const timeline = mountMentorTimeline({
    idPrefix: 'edit',
    mentor: () => session.mentor,
    read: () => details.read().values,
    excludeSessionId: session.id,
  });
  details.fields.startsAt.element.after(timeline.element);
  for (const type of ['input', 'change']) details.element.addEventListener(type, () => timeline.refresh());
  timeline.refresh();
  const notify = notifyBox(
    'edit-notify',
    'Email the mentor and mentees if the date, time, duration, title or time zone changes (no other edit sends mail; reminders go out either way)',
  );
  const save = h('button', { type: 'submit', class: 'button button-primary', id: 'save-session' }, 'Save');
  const formStatus = h('p', { class: 'form-status', role: 'status' });

  async function onSubmit(event) {
    event.preventDefault();
    formStatus.textContent = '';
    if (errors.show(details.read().problems)) return;
    if (conflicts.unresolved()) {
      formStatus.textContent = 'First choose Keep theirs or Use mine for each field someone else changed.';
      return;
    }
    const input = conflicts.changes();
    if (!Object.keys(input).length) {
      formStatus.textContent = 'Nothing to save: no field has changed.';
      return;
    }
    const done = submitting(save, 'Saving…');
    try {
      const notifying = notify.querySelector('input').checked;
      const variables = { id: session.id, input, notify: notifying, expectedVersion: version.current };
      const { updateSession } = await graphql(UPDATE_SESSION, variables);
      if (isStale(updateSession)) tookIn(conflicts, updateSession, formStatus);
      else if (!errors.show(updateSession.errors, { heading: 'The session was not saved' }))
        onSaved(`Changes to “${updateSession.session.title}” are saved.`);
    } catch (error) {
      errors.show([{ field: null, message: `The session was not saved: ${error.message}` }]);
    } finally {
      done();
    }
  }

  const form = detailsForm(session, { errors, details, notify, save, formStatus, onSubmit, conflicts });
  const element = h(
    'div',
    { class: 'edit-layout' },
    form,
    h(
      'div',
      { class: 'edit-aside' },
      imageCard(session, version),
      menteesCard(session, { onChange: changed, version }),
    ),
  );
  return panelView(element, conflicts, (current) => sessionValues(current));
}

function changed() {
  document.dispatchEvent(new CustomEvent(SESSIONS_CHANGED_EVENT));
}

/** What the page asks of a tab: whether it has unsaved changes, and to take in the session as it is now. */
function panelView(element, conflicts, valuesOf) {
  return {
    element,
    dirty: () => conflicts.unresolved() > 0 || Object.keys(conflicts.changes()).length > 0,
    takeIn: (current) => conflicts.takeIn(valuesOf(current), current.version),
  };
}

function imageCard(session, version) {
  return h(
    'section',
    { class: 'card', id: 'edit-image', 'aria-labelledby': 'edit-image-heading' },
    h(
      'h2',
      { id: 'edit-image-heading' },
      'Session image ',
      h('span', { class: 'badge badge-immediate' }, 'Saved at once'),
    ),
    h('p', { class: 'hint' }, 'A new image replaces the old one as soon as it is chosen; Save is not needed.'),
    sessionImage(session, version).element,
  );
}

/** The Meeting link tab: platform, link, passcode; Submit → updateMeeting. */
function meetingPanel(session, { onSaved, version }) {
  const errors = new FormErrors();
  const meeting = meetingFields({ idPrefix: 'meeting', meeting: session.meeting, errors, prefix: '' });
  const conflicts = conflictsOf('meeting-conflicts', meeting, meeting.read(), version);
  const notify = notifyBox(
    'meeting-notify',
    'Email the mentor and mentees the new meeting details (reminders go out either way, with the meeting as it is then)',
  );
  const submit = h('button', { type: 'submit', class: 'button button-primary', id: 'submit-meeting' }, 'Submit');
  const formStatus = h('p', { class: 'form-status', role: 'status' });

  async function onSubmit(event) {
    event.preventDefault();
    errors.clear();
    formStatus.textContent = '';
    if (conflicts.unresolved()) {
      formStatus.textContent = 'First choose Keep theirs or Use mine for each field someone else changed.';
      return;
    }
    const done = submitting(submit, 'Submitting…');
    try {
      const notifying = notify.querySelector('input').checked;
      const variables = { id: session.id, input: meeting.read(), notify: notifying, expectedVersion: version.current };
      const { updateMeeting } = await graphql(UPDATE_MEETING, variables);
      if (isStale(updateMeeting)) tookIn(conflicts, updateMeeting, formStatus);
      else if (!errors.show(updateMeeting.errors, { heading: 'The meeting information was not saved' }))
        onSaved(`The meeting information of “${updateMeeting.session.title}” is saved.`);
    } catch (error) {
      errors.show([{ field: null, message: `The meeting information was not saved: ${error.message}` }]);
    } finally {
      done();
    }
  }

  const form = meetingForm(session, { errors, meeting, notify, submit, onSubmit, conflicts, formStatus });
  return panelView(form, conflicts, (current) => meetingValues(current.meeting));
}

function meetingForm(session, { errors, meeting, notify, submit, onSubmit, conflicts, formStatus }) {
  return h(
    'form',
    {
      class: 'card form narrow-form',
      id: 'meeting-form',
      novalidate: true,
      onsubmit: onSubmit,
      'aria-labelledby': 'meeting-form-heading',
    },
    h('h2', { id: 'meeting-form-heading' }, 'Meeting information'),
    h(
      'p',
      { class: 'hint' },
      session.status === 'LIVE'
        ? 'The session is live: a new link reaches the mentor and mentees at once.'
        : 'The meeting can change until the session is completed.',
    ),
    errors.summary,
    conflicts.element,
    meeting.element,
    notify,
    h(
      'div',
      { class: 'actions' },
      submit,
      h('a', { href: `/sessions/${session.id}`, class: 'button button-quiet' }, 'Cancel'),
    ),
    formStatus,
  );
}

function subtitleOf(session) {
  return [
    session.title,
    ' ',
    statusBadge(session.status),
    ' ',
    h('span', { class: 'muted small' }, `· ID ${session.id} · ${plural(session.menteeCount, 'mentee')}`),
  ];
}

const reasonId = (key) => `${key}-tab-reason`;

/** This page's address with the tab `key` shown. */
const urlFor = (key) => urlWithTab(key, 'details');

/** A tab; one that is not allowed stays in place, disabled, described by why. */
function tabButton(tab, allowed, onTabKey) {
  return h(
    'button',
    {
      type: 'button',
      role: 'tab',
      id: `tab-${tab.key}`,
      'data-tab': tab.key,
      'aria-controls': tab.panelId,
      'aria-disabled': allowed ? false : 'true',
      'aria-describedby': allowed ? false : reasonId(tab.key),
      onclick: () => {
        if (allowed) navigate(urlFor(tab.key));
      },
      onkeydown: onTabKey,
    },
    tab.label,
  );
}

function blockedReasons(allowed, reasons) {
  return h(
    'div',
    { class: 'tab-reasons' },
    TABS.filter((tab) => !allowed[tab.key]).map((tab) =>
      h(
        'p',
        { id: reasonId(tab.key), class: 'blocked-reason' },
        h('strong', {}, `${tab.label}: `),
        reasons[tab.key] || 'Not available for this session.',
      ),
    ),
  );
}

function tabPanel(id, key, content) {
  return h('section', { id, role: 'tabpanel', 'aria-labelledby': `tab-${key}`, class: 'tab-panel' }, content || null);
}

/** Selects the tab the URL asks for (`?tab=meeting`), or the first one allowed. */
function showTab(params, { allowed, usable, buttons, panels }) {
  const wanted = params.get('tab') === 'meeting' ? 'meeting' : 'details';
  const key = allowed[wanted] ? wanted : usable[0];
  for (const tab of TABS) {
    const selected = tab.key === key;
    buttons.get(tab.key).setAttribute('aria-selected', String(selected));
    buttons.get(tab.key).tabIndex = selected ? 0 : -1;
    panels.get(tab.key).hidden = !selected;
  }
}

export function renderEditSession(main, ctx) {
  setPageTitle('Edit session details');
  const sessionId = ctx.params.id;
  const detailsUrl = `/sessions/${encodeURIComponent(sessionId)}`;
  const listUrl = sessionStorage.getItem(LAST_LIST_KEY) || '/workspace/sessions';
  const body = h('div', { class: 'edit-body' });
  const subtitle = h('p', { class: 'lead' });
  main.append(
    breadcrumbs({ Workspace: '/workspace', 'Manage sessions': listUrl, 'Session details': detailsUrl }, 'Edit'),
    h('h1', {}, 'Edit session details'),
    subtitle,
    body,
  );

  let query = ctx.query;
  let show = null;
  let views = [];
  const stopLeaving = confirmLeaving(() => (views.some((view) => view.dirty()) ? UNSAVED : null));

  function onSaved(message) {
    stopLeaving();
    document.dispatchEvent(new CustomEvent(SESSIONS_CHANGED_EVENT));
    announce(message, { path: detailsUrl });
    navigate(detailsUrl);
  }

  function build(session) {
    setPageTitle(`Edit ${session.title}`);
    fill(subtitle, ...subtitleOf(session));
    const version = { current: session.version };

    const allowed = { details: session.canEdit, meeting: session.canEditMeeting };
    const reasons = { details: session.editBlockedReason, meeting: session.meetingEditBlockedReason };
    const buttons = new Map();
    const panels = new Map();

    const tablist = h(
      'div',
      { class: 'tabs', role: 'tablist', 'aria-label': 'Edit session details' },
      TABS.map((tab) => {
        const button = tabButton(tab, allowed[tab.key], onTabKey);
        buttons.set(tab.key, button);
        return button;
      }),
    );
    const reasonsBox = blockedReasons(allowed, reasons);

    const details = allowed.details && detailsPanel(session, { onSaved, version });
    const meeting = allowed.meeting && meetingPanel(session, { onSaved, version });
    views = [details, meeting].filter(Boolean);
    panels.set('details', tabPanel('edit-session-panel', 'details', details && details.element));
    panels.set('meeting', tabPanel('meeting-link-panel', 'meeting', meeting && meeting.element));

    const usable = TABS.filter((tab) => allowed[tab.key]).map((tab) => tab.key);
    if (!usable.length) {
      fill(body, tablist, reasonsBox, h('p', {}, h('a', { href: detailsUrl }, 'Back to the session details')));
      for (const button of buttons.values()) button.setAttribute('aria-selected', 'false');
      return;
    }

    function onTabKey(event) {
      const index = usable.indexOf(event.currentTarget.dataset.tab);
      const target = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: usable.length - 1 }[event.key];
      if (target === undefined) return;
      event.preventDefault();
      const key = usable[(target + usable.length) % usable.length];
      buttons.get(key).focus();
      navigate(urlFor(key));
    }

    show = (params) => showTab(params, { allowed, usable, buttons, panels });

    fill(body, tablist, reasonsBox, ...panels.values());
    show(query);
  }

  async function load() {
    const session = await loadSession({ main, body, query: SESSION_QUERY, id: sessionId, ctx, listUrl, retry: load });
    if (session) build(session);
  }

  load();
  const stopFollowing = followEdits(sessionId, ctx, { views: () => views, listUrl, stopLeaving });
  return {
    update(next) {
      query = next.query;
      if (show) show(query);
    },
    leave: stopFollowing,
  };
}

/**
 * Changes made elsewhere while the page is open: the fields nobody edits here show them at once (and the
 * page's version moves on); a field edited here too is offered as Keep theirs / Use mine. A session
 * deleted elsewhere sends the page back to the list, saying so.
 */
function followEdits(sessionId, ctx, { views, listUrl, stopLeaving }) {
  return followSession(sessionId, {
    changed: async () => {
      if (!views().length) return; // still loading, or nothing editable
      let session;
      try {
        ({ session } = await graphql(SESSION_QUERY, { id: sessionId }, { signal: ctx.signal }));
      } catch {
        return; // the page stays as it is; Save still cannot overwrite what it has not seen
      }
      if (session && !ctx.signal.aborted) for (const view of views()) view.takeIn(session);
    },
    deleted: () => {
      stopLeaving();
      announce('This session was deleted by someone else while you were editing it.', {
        kind: 'problem',
        path: listUrl,
      });
      navigate(listUrl);
    },
  });
}

registerRoute('/sessions/:id/edit', renderEditSession);
