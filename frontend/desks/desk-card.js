// One session on a mentor's or mentee's desk: title, when, meeting, people, and the actions the desk gives it.

import { h } from '../common/dom.js';
import { graphql } from '../common/graphql.js';
import { formatDate, formatDuration, formatTime, PLATFORM_LABELS, plural } from '../common/format.js';
import { statusBadge } from '../list/sessions-list-table.js';

/** The fields every desk card shows. */
export const DESK_SESSION_FIELDS = `id title status type startsAt endsAt durationMinutes
  menteeCount seatsLimit seatsLeft mentor { id name } meeting { platform link passcode }`;

function meetingLine(meeting) {
  if (meeting.link) {
    return h(
      'p',
      { class: 'desk-meeting' },
      `${PLATFORM_LABELS[meeting.platform]}: `,
      h('a', { href: meeting.link, target: '_blank', rel: 'noopener' }, 'Join the meeting'),
      meeting.passcode ? ` · passcode ${meeting.passcode}` : '',
    );
  }
  const room = meeting.platform === 'BIG_BLUE_BUTTON' ? ' (the room opens when the mentor starts it)' : '';
  return h('p', { class: 'desk-meeting muted' }, `${PLATFORM_LABELS[meeting.platform]}${room}`);
}

/**
 * A card: `extra` (elements after the facts, e.g. the mentee names) and `actions` (buttons); its status line
 * (`card.status`) says what an action did or why the server refused it.
 */
export function deskCard(session, { extra = [], actions = [] } = {}) {
  const status = h('p', { class: 'desk-card-status', role: 'status' });
  const card = h(
    'li',
    { class: 'desk-card', 'data-session-id': session.id },
    h(
      'div',
      { class: 'desk-card-head' },
      h('h3', { class: 'session-title' }, h('a', { href: `/sessions/${session.id}` }, session.title)),
      statusBadge(session.status),
    ),
    h(
      'p',
      { class: 'desk-when' },
      h('time', { datetime: session.startsAt }, `${formatDate(session.startsAt)} ${formatTime(session.startsAt)}`),
      ` IST · ${formatDuration(session.durationMinutes)}`,
    ),
    meetingLine(session.meeting),
    extra,
    actions.length ? h('div', { class: 'desk-actions' }, actions) : null,
    status,
  );
  card.status = status;
  return card;
}

/** "3 of 20 seats taken". */
export function seatsLine(session) {
  return `${plural(session.menteeCount, 'seat')} of ${session.seatsLimit} taken`;
}

/**
 * Run a session mutation (`field` names it in the payload) from a card's button: the button is busy meanwhile,
 * a refusal is said on the card, and `done()` reloads the desk after a success.
 */
export async function runAction(card, button, { mutation, variables, field, success, done }) {
  button.disabled = true;
  card.status.textContent = '';
  card.status.classList.remove('desk-refusal');
  try {
    const result = (await graphql(mutation, variables))[field];
    if (result.errors.length) {
      card.status.textContent = result.errors.map((e) => e.message).join(' ');
      card.status.classList.add('desk-refusal');
      button.disabled = false;
      return;
    }
    card.status.textContent = success;
    done();
  } catch (error) {
    card.status.textContent = error.message;
    card.status.classList.add('desk-refusal');
    button.disabled = false;
  }
}

/** A desk section: a heading, then the cards or a line saying there are none. */
export function deskSection(id, title, cards, emptyText, more = null) {
  return h(
    'section',
    { class: 'desk-section', 'aria-labelledby': `${id}-heading` },
    h('h2', { id: `${id}-heading` }, title),
    cards.length ? h('ul', { class: 'desk-cards', id }, cards) : h('p', { class: 'muted', id }, emptyText),
    more,
  );
}

const DESK_INTROS = {
  MENTOR: 'Your sessions: start them when it is time, see who is coming and what mentees thought.',
  MENTEE: 'Your sessions, the ones you can still join, and the completed ones to rate.',
};

/** The desk's heading and one line saying what it is for. */
export function deskHeader(role) {
  return [
    h('h1', {}, role === 'MENTOR' ? 'Mentor desk' : 'Mentee desk'),
    h('p', { class: 'muted desk-intro' }, DESK_INTROS[role]),
  ];
}
