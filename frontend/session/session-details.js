// The Session Details page: every field of one session, its actions, and the way to its Mentee list.
//
// The actions (Edit, Delete) live in <div id="session-actions">, drawn by `renderSessionActions` from
// canEdit / canEditMeeting / canDelete and their blocked reasons. The delete flow plugs in with
// `onDeleteSession(handler)`: handler(session, { button, reload }) runs when Delete is pressed.

import { graphql } from '../common/graphql.js';
import { breadcrumbs, errorMessage, fill, h, hidden, loadingMessage } from '../common/dom.js';
import { navigate, setPageTitle } from '../common/router.js';
import {
  formatDate,
  formatDateTime,
  formatDuration,
  formatTime,
  PLATFORM_LABELS,
  plural,
  sessionZone,
  TYPE_LABELS,
} from '../common/format.js';
import { LAST_LIST_KEY, statusBadge } from '../list/sessions-list.js';
import { openMenteeList } from './mentee-list.js';
import { followSession } from '../common/live.js';
import { announce } from '../common/notice.js';
import { sessionTimeline } from './session-history.js';

const SESSION_QUERY = `query SessionDetails($id: ID!) {
  session(id: $id) {
    id title description type status startsAt endsAt durationMinutes timeZone
    mentor { id name email }
    menteeCount enrolledCount invitedCount seatsLimit seatsLeft
    recommendedFor categories medium remindersEnabled
    meeting { platform link passcode }
    imageUrl
    canEdit editBlockedReason canEditMeeting meetingEditBlockedReason canDelete deleteBlockedReason
    createdAt updatedAt startedAt completedAt
  }
}`;

let deleteHandler = null;

/** Give the Delete button its behaviour: handler(session, { button, reload }). */
export function onDeleteSession(handler) {
  deleteHandler = handler;
}

function blockedReason(id, text) {
  return text ? h('p', { id, class: 'blocked-reason' }, text) : null;
}

/** Draw Edit (a link to /sessions/{id}/edit) and Delete (a button), each off with its reason when not allowed. */
export function renderSessionActions(container, session, { reload, isManager = true } = {}) {
  // Edit and Delete are a manager's: nobody else is shown buttons they can never use.
  container.hidden = !isManager;
  if (!isManager) return;
  const edit = session.canEdit
    ? h('a', { href: `/sessions/${session.id}/edit`, class: 'button button-primary', id: 'edit-session' }, 'Edit')
    : h(
        'button',
        {
          type: 'button',
          class: 'button',
          id: 'edit-session',
          disabled: true,
          'aria-describedby': 'edit-blocked-reason',
        },
        'Edit',
      );
  // A live session's details are locked but its meeting can still change (R2): offer that instead.
  const editMeeting =
    !session.canEdit && session.canEditMeeting
      ? h(
          'a',
          { href: `/sessions/${session.id}/edit?tab=meeting`, class: 'button', id: 'edit-meeting' },
          'Edit meeting link',
        )
      : null;
  const remove = h(
    'button',
    {
      type: 'button',
      class: 'button button-danger',
      id: 'delete-session',
      disabled: !session.canDelete,
      'aria-describedby': session.canDelete ? false : 'delete-blocked-reason',
    },
    'Delete',
  );
  const notice = h('p', { class: 'action-notice', role: 'status' });
  remove.addEventListener('click', () => {
    if (deleteHandler) deleteHandler(session, { button: remove, reload });
    else notice.textContent = 'Deleting sessions from this page is not available yet.';
  });
  fill(
    container,
    h('div', { class: 'action-buttons' }, edit, editMeeting, remove),
    blockedReason('edit-blocked-reason', session.canEdit ? null : session.editBlockedReason),
    blockedReason('delete-blocked-reason', session.canDelete ? null : session.deleteBlockedReason),
    notice,
  );
}

function field(label, ...value) {
  return [h('dt', {}, label), h('dd', {}, ...value)];
}

function listOrDash(values) {
  return values.length ? values.join(', ') : '—';
}

function timeRange(session, zone) {
  const sameDay = formatDate(session.startsAt, zone) === formatDate(session.endsAt, zone);
  const end = sameDay ? formatTime(session.endsAt, zone) : formatDateTime(session.endsAt, zone);
  return h(
    'span',
    {},
    h('time', { datetime: session.startsAt }, formatDateTime(session.startsAt, zone)),
    ' – ',
    h('time', { datetime: session.endsAt }, end),
  );
}

function meetingFields(meeting) {
  const rows = [...field('Meeting platform', PLATFORM_LABELS[meeting.platform] || meeting.platform)];
  if (meeting.platform === 'BIG_BLUE_BUTTON') {
    rows.push(
      ...field('Meeting link', h('span', { class: 'muted' }, 'The room is made when the mentor starts the session.')),
    );
  } else {
    rows.push(
      ...field(
        'Meeting link',
        meeting.link
          ? h(
              'a',
              { href: meeting.link, target: '_blank', rel: 'noopener noreferrer' },
              meeting.link,
              hidden(' (opens in a new tab)'),
            )
          : h('span', { class: 'muted' }, 'Not shown to you'),
      ),
    );
  }
  if (meeting.platform === 'ZOOM')
    rows.push(...field('Meeting passcode', meeting.passcode || h('span', { class: 'muted' }, 'Not shown to you')));
  return rows;
}

function renderSession(container, session, reload, isManager) {
  setPageTitle(session.title);
  const heading = container.querySelector('h1');
  fill(heading, session.title, ' ', statusBadge(session.status));
  const actions = h('div', { id: 'session-actions', class: 'session-actions' });
  renderSessionActions(actions, session, { reload, isManager });

  const viewList = h('button', { type: 'button', class: 'button', id: 'view-mentee-list' }, 'View list');
  viewList.addEventListener('click', () =>
    openMenteeList({ sessionId: session.id, title: session.title, opener: viewList }),
  );

  const ownZone =
    session.timeZone !== 'IST'
      ? field(
          `Date and time (${session.timeZone}, the session’s time zone)`,
          timeRange(session, sessionZone(session.timeZone)),
        )
      : [];

  fill(
    container.querySelector('.details-body'),
    session.imageUrl
      ? h('img', { class: 'session-image', src: session.imageUrl, alt: `Image of the session ${session.title}` })
      : null,
    actions,
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'about-heading' },
      h('h2', { id: 'about-heading' }, 'About the session'),
      h('p', { class: 'description' }, session.description),
      h(
        'dl',
        { class: 'fields' },
        field('Session ID', session.id),
        field('Type', TYPE_LABELS[session.type] || session.type),
        field('Status', statusBadge(session.status)),
        field('Mentor', h('a', { href: `/mentors/${session.mentor.id}` }, session.mentor.name)),
        field('Date and time (IST)', timeRange(session, 'Asia/Kolkata')),
        ...ownZone,
        field('Time zone of the session', session.timeZone),
        field('Duration', formatDuration(session.durationMinutes)),
        field('Categories', listOrDash(session.categories)),
        field('Recommended for', listOrDash(session.recommendedFor)),
        field('Medium', session.medium),
        session.startedAt ? field('Started at (IST)', formatDateTime(session.startedAt)) : [],
        session.completedAt ? field('Completed at (IST)', formatDateTime(session.completedAt)) : [],
      ),
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'meeting-heading' },
      h('h2', { id: 'meeting-heading' }, 'Meeting'),
      h('dl', { class: 'fields' }, ...meetingFields(session.meeting)),
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'mentees-heading' },
      h('h2', { id: 'mentees-heading' }, 'Mentees'),
      h(
        'dl',
        { class: 'fields' },
        field(
          'Mentee count',
          h(
            'span',
            { id: 'mentee-count' },
            plural(session.menteeCount, 'mentee'),
            ` (${session.enrolledCount} enrolled, ${session.invitedCount} invited)`,
          ),
        ),
        field('Seats limit', `${session.seatsLimit} (${session.seatsLeft} left)`),
        field('Reminders', session.remindersEnabled ? 'Mailed to the mentor and mentees before the start' : 'Off'),
      ),
      viewList,
    ),
    changedLine(session),
    isManager ? sessionTimeline(session.id).element : null,
  );
}

function changedLine(session) {
  const created = formatDateTime(session.createdAt);
  return h(
    'p',
    { class: 'muted small' },
    `Created ${created} IST · last changed ${formatDateTime(session.updatedAt)} IST`,
  );
}

export function renderSessionDetails(main, ctx) {
  setPageTitle('Session details');
  const listUrl = sessionStorage.getItem(LAST_LIST_KEY) || '/workspace/sessions';
  const isManager = (ctx.viewer?.roles || []).includes('MANAGER');
  const body = h('div', { class: 'details-body' });
  main.append(
    breadcrumbs({ Workspace: '/workspace', 'Manage sessions': listUrl }, 'Session details'),
    h('h1', {}, 'Session details'),
    body,
  );

  async function load() {
    const session = await loadSession({
      main,
      body,
      query: SESSION_QUERY,
      id: ctx.params.id,
      ctx,
      listUrl,
      retry: load,
    });
    if (session) renderSession(main, session, load, isManager);
  }

  load();
  // Live: a change made elsewhere (the mentor started it, a manager edited it) redraws the page in place.
  const stopLive = followSession(ctx.params.id, {
    changed: async () => {
      if (!main.querySelector('#session-actions')) return; // still loading, or not found
      let session;
      try {
        ({ session } = await graphql(SESSION_QUERY, { id: ctx.params.id }, { signal: ctx.signal }));
      } catch {
        return; // the page stays as it was; the next change or a reload catches up
      }
      if (session && !ctx.signal.aborted) renderSession(main, session, load, isManager);
    },
    deleted: () => {
      const title = main.querySelector('h1').firstChild;
      announce(`${title ? `“${title.textContent.trim()}”` : 'This session'} was deleted by someone else.`, {
        kind: 'problem',
        path: listUrl,
      });
      navigate(listUrl);
    },
  });
  return { leave: stopLive };
}

/**
 * Fetch one session for a page whose `body` shows the loading state, the error (with retry) or "not
 * found"; answers the session, or nothing when the page already says why there is none.
 */
export async function loadSession({ main, body, query, id, ctx, listUrl, retry }) {
  fill(body, loadingMessage('Loading the session…'));
  main.setAttribute('aria-busy', 'true');
  let session;
  try {
    ({ session } = await graphql(query, { id }, { signal: ctx.signal }));
  } catch (error) {
    if (ctx.signal.aborted) return null;
    main.removeAttribute('aria-busy');
    fill(body, errorMessage('The session could not be loaded.', error, retry));
    return null;
  }
  if (ctx.signal.aborted) return null;
  main.removeAttribute('aria-busy');
  if (!session) {
    setPageTitle('Session not found');
    main.querySelector('h1').textContent = 'Session not found';
    fill(
      body,
      h('p', { role: 'alert' }, 'There is no session with this ID. It may have been deleted, or the link is wrong.'),
      h('p', {}, h('a', { href: listUrl }, 'Back to the session list')),
    );
    return null;
  }
  return session;
}
