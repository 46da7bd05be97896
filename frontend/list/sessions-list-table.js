// The Session list's results: the table of one page of sessions, with sortable column headers, or what
// to say when there is nothing to show. Drawn anew for each page; clicks go back through `actions`.

import { h, hidden } from '../common/dom.js';
import { icon } from '../common/icons.js';
import { formatDate, formatDuration, formatTime, STATUS_LABELS, TYPE_LABELS } from '../common/format.js';
import { openMenteeList } from '../session/mentee-list.js';
import { rowActions } from './row-actions.js';
import { hasFilters } from './sessions-list-state.js';

export function statusBadge(status) {
  return h('span', { class: `badge badge-${status.toLowerCase()}` }, STATUS_LABELS[status] || status);
}

function sortHeader(state, actions, label, field, className = false) {
  const active = (state.sort || 'START_TIME') === field;
  const direction = active ? state.direction : null;
  return h(
    'th',
    {
      scope: 'col',
      class: className,
      'aria-sort': direction ? (direction === 'ASC' ? 'ascending' : 'descending') : false,
    },
    h(
      'button',
      { type: 'button', class: 'sort-button', 'data-sort': field, onclick: () => actions.sortBy(field) },
      label,
      icon(direction === 'ASC' ? 'sort-ascending' : direction === 'DESC' ? 'sort-descending' : 'sortable'),
    ),
  );
}

function sessionRow(session) {
  const menteeButton = h(
    'button',
    { type: 'button', class: 'button-link mentee-count' },
    String(session.menteeCount),
    hidden(` ${session.menteeCount === 1 ? 'mentee' : 'mentees'}: show the mentee list of ${session.title}`),
  );
  menteeButton.addEventListener('click', () =>
    openMenteeList({ sessionId: session.id, title: session.title, opener: menteeButton }),
  );
  return h(
    'tr',
    { 'data-session-id': session.id },
    h('td', { class: 'numeric' }, session.id),
    h('th', { scope: 'row', class: 'session-title' }, session.title),
    h('td', {}, TYPE_LABELS[session.type] || session.type),
    h('td', {}, h('a', { href: `/mentors/${session.mentor.id}` }, session.mentor.name)),
    h(
      'td',
      { class: 'nowrap' },
      h('time', { datetime: session.startsAt }, `${formatDate(session.startsAt)} ${formatTime(session.startsAt)}`),
    ),
    h('td', { class: 'nowrap' }, formatDuration(session.durationMinutes)),
    h('td', { class: 'numeric' }, menteeButton),
    h('td', {}, statusBadge(session.status)),
    h(
      'td',
      {},
      h(
        'span',
        { class: 'row-links' },
        h('a', { href: `/sessions/${session.id}`, class: 'nowrap' }, 'View details', hidden(` of ${session.title}`)),
        rowActions(session),
      ),
    ),
  );
}

/** One page of sessions as a table; `actions.sortBy(field)` is called by the sortable headers. */
export function sessionsTable(page, state, actions) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'data-table sessions-table' },
      h(
        'caption',
        { class: 'visually-hidden' },
        `Sessions, page ${page.page} of ${page.shownPages}. Column headers with buttons sort the list.`,
      ),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col', class: 'numeric' }, 'ID'),
          sortHeader(state, actions, 'Title', 'TITLE'),
          h('th', { scope: 'col' }, 'Type'),
          h('th', { scope: 'col' }, 'Mentor'),
          sortHeader(state, actions, 'Date and time (IST)', 'START_TIME'),
          h('th', { scope: 'col' }, 'Duration'),
          sortHeader(state, actions, 'Mentee count', 'MENTEE_COUNT', 'numeric'),
          h('th', { scope: 'col' }, 'Status'),
          h('th', { scope: 'col' }, hidden('Details and actions')),
        ),
      ),
      h('tbody', {}, page.items.map(sessionRow)),
    ),
  );
}

/** What an empty page says: nothing matches (with a way out), or there are no sessions yet. */
export function emptyList(state, actions) {
  if (state.search || hasFilters(state)) {
    return h(
      'div',
      { class: 'empty' },
      h('p', {}, h('strong', {}, 'No sessions match your search and filters.')),
      h('p', {}, 'Try other words, or remove some filters.'),
      h(
        'button',
        { type: 'button', class: 'button', onclick: () => actions.clearFilters({ andSearch: true }) },
        'Clear search and filters',
      ),
    );
  }
  return h(
    'div',
    { class: 'empty' },
    h('p', {}, h('strong', {}, 'No sessions yet.')),
    h('p', {}, 'Sessions you create or bulk upload appear here.'),
  );
}
