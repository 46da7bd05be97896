// The Edit session details page, /sessions/{id}/edit: the "Edit session" tab (details, mentees, image;
// Save → updateSession with only the changed fields) and the "Meeting link" tab (Submit → updateMeeting).
// The details can change only while the session is upcoming (R1), the meeting also while it is live
// (R2), so a live session opens on the Meeting link tab with the other tab off and the reason shown.

import { graphql, graphqlUpload } from '../shared/graphql.js';
import { breadcrumbs, fill, h } from '../shared/dom.js';
import { FormErrors } from '../shared/forms.js';
import { navigate, registerRoute, setPageTitle } from '../shared/router.js';
import { plural, TYPE_LABELS } from '../shared/format.js';
import { changedFields, detailFields, meetingFields } from './session-form.js';
import { mountMentorTimeline } from '../calendar/mentor-timeline.js';
import { imageControls } from './session-image.js';
import { menteesCard } from './edit-mentees.js';
import { announce } from '../shared/notice.js';
import { LAST_LIST_KEY, SESSIONS_CHANGED_EVENT, statusBadge } from '../list/sessions-list.js';
import { loadSession } from './session-details.js';

const SESSION_QUERY = `query EditSession($id: ID!) {
  session(id: $id) {
    id title description type status startsAt durationMinutes timeZone
    mentor { id name email }
    menteeCount enrolledCount invitedCount seatsLimit seatsLeft
    mentees { id name email designation kind }
    recommendedFor categories medium remindersEnabled
    meeting { platform link passcode }
    imageUrl
    canEdit editBlockedReason canEditMeeting meetingEditBlockedReason
  }
}`;

const UPDATE_SESSION = `mutation UpdateSession($id: ID!, $input: UpdateSessionInput!, $notify: Boolean!) {
  updateSession(id: $id, input: $input, notify: $notify) { session { id title } errors { field code message } }
}`;
const UPDATE_MEETING = `mutation UpdateMeeting($id: ID!, $input: MeetingInput!, $notify: Boolean!) {
  updateMeeting(id: $id, input: $input, notify: $notify) { session { id title } errors { field code message } }
}`;
const SET_IMAGE = `mutation SetSessionImage($sessionId: ID!, $image: Upload!) {
  setSessionImage(sessionId: $sessionId, image: $image) { session { id imageUrl } errors { field code message } }
}`;
const REMOVE_IMAGE = `mutation RemoveSessionImage($sessionId: ID!) {
  removeSessionImage(sessionId: $sessionId) { session { id imageUrl } errors { field code message } }
}`;

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

function detailsForm(session, { errors, details, notify, save, formStatus, onSubmit }) {
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

/** The image card's control: a new image or a removal is saved at once. */
function sessionImage(session) {
  return imageControls({
    idPrefix: 'session-image',
    imageUrl: session.imageUrl,
    title: () => session.title,
    save: async (file) => {
      const { setSessionImage } = await graphqlUpload(SET_IMAGE, { sessionId: session.id }, { image: file });
      return { imageUrl: setSessionImage.session && setSessionImage.session.imageUrl, errors: setSessionImage.errors };
    },
    remove: async () => {
      const { removeSessionImage } = await graphql(REMOVE_IMAGE, { sessionId: session.id });
      return {
        imageUrl: removeSessionImage.session && removeSessionImage.session.imageUrl,
        errors: removeSessionImage.errors,
      };
    },
  });
}

/** The Edit session tab: the details form, and beside it the session image and the mentees. */
function detailsPanel(session, { onSaved }) {
  const errors = new FormErrors();
  const details = detailFields({ idPrefix: 'edit', session, errors });
  const initial = details.read().values;
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
  const notify = notifyBox('edit-notify', 'Email the mentor and mentees about a new date or time');
  const save = h('button', { type: 'submit', class: 'button button-primary', id: 'save-session' }, 'Save');
  const formStatus = h('p', { class: 'form-status', role: 'status' });

  async function onSubmit(event) {
    event.preventDefault();
    formStatus.textContent = '';
    const { values, problems } = details.read();
    if (errors.show(problems)) return;
    const input = changedFields(initial, values);
    if (!Object.keys(input).length) {
      formStatus.textContent = 'Nothing to save: no field has changed.';
      return;
    }
    const done = submitting(save, 'Saving…');
    try {
      const { updateSession } = await graphql(UPDATE_SESSION, {
        id: session.id,
        input,
        notify: notify.querySelector('input').checked,
      });
      if (errors.show(updateSession.errors, { heading: 'The session was not saved' })) return;
      onSaved(`Changes to “${updateSession.session.title}” are saved.`);
    } catch (error) {
      errors.show([{ field: null, message: `The session was not saved: ${error.message}` }]);
    } finally {
      done();
    }
  }

  const form = detailsForm(session, { errors, details, notify, save, formStatus, onSubmit });

  const image = sessionImage(session);

  return h(
    'div',
    { class: 'edit-layout' },
    form,
    h(
      'div',
      { class: 'edit-aside' },
      h(
        'section',
        { class: 'card', id: 'edit-image', 'aria-labelledby': 'edit-image-heading' },
        h(
          'h2',
          { id: 'edit-image-heading' },
          'Session image ',
          h('span', { class: 'badge badge-immediate' }, 'Saved at once'),
        ),
        h('p', { class: 'hint' }, 'A new image replaces the old one as soon as it is chosen; Save is not needed.'),
        image.element,
      ),
      menteesCard(session, { onChange: () => document.dispatchEvent(new CustomEvent(SESSIONS_CHANGED_EVENT)) }),
    ),
  );
}

/** The Meeting link tab: platform, link, passcode; Submit → updateMeeting. */
function meetingPanel(session, { onSaved }) {
  const errors = new FormErrors();
  const meeting = meetingFields({ idPrefix: 'meeting', meeting: session.meeting, errors, prefix: '' });
  const notify = notifyBox('meeting-notify', 'Email the mentor and mentees about the new meeting information');
  const submit = h('button', { type: 'submit', class: 'button button-primary', id: 'submit-meeting' }, 'Submit');

  async function onSubmit(event) {
    event.preventDefault();
    errors.clear();
    const done = submitting(submit, 'Submitting…');
    try {
      const { updateMeeting } = await graphql(UPDATE_MEETING, {
        id: session.id,
        input: meeting.read(),
        notify: notify.querySelector('input').checked,
      });
      if (errors.show(updateMeeting.errors, { heading: 'The meeting information was not saved' })) return;
      onSaved(`The meeting information of “${updateMeeting.session.title}” is saved.`);
    } catch (error) {
      errors.show([{ field: null, message: `The meeting information was not saved: ${error.message}` }]);
    } finally {
      done();
    }
  }

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
    meeting.element,
    notify,
    h(
      'div',
      { class: 'actions' },
      submit,
      h('a', { href: `/sessions/${session.id}`, class: 'button button-quiet' }, 'Cancel'),
    ),
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
function urlFor(key) {
  const params = new URLSearchParams(location.search);
  if (key === 'details') params.delete('tab');
  else params.set('tab', key);
  const search = params.toString();
  return location.pathname + (search ? `?${search}` : '');
}

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

  function onSaved(message) {
    document.dispatchEvent(new CustomEvent(SESSIONS_CHANGED_EVENT));
    announce(message, { path: detailsUrl });
    navigate(detailsUrl);
  }

  function build(session) {
    setPageTitle(`Edit ${session.title}`);
    fill(subtitle, ...subtitleOf(session));

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

    panels.set(
      'details',
      tabPanel('edit-session-panel', 'details', allowed.details && detailsPanel(session, { onSaved })),
    );
    panels.set(
      'meeting',
      tabPanel('meeting-link-panel', 'meeting', allowed.meeting && meetingPanel(session, { onSaved })),
    );

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
  return {
    update(next) {
      query = next.query;
      if (show) show(query);
    },
  };
}

registerRoute('/sessions/:id/edit', renderEditSession);
