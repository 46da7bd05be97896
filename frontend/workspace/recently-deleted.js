// Workspace › Recently deleted (/workspace/recently-deleted), for managers: the sessions deleted within
// TRASH_KEEP_DAYS, most recently deleted first, each with Restore (session/restore-session.js). When a
// session cannot come back, the server's sentence says why.

import { graphql } from '../common/graphql.js';
import { breadcrumbs, errorMessage, fill, h, hidden, loadingMessage } from '../common/dom.js';
import { formatDateTime } from '../common/format.js';
import { registerRoute, setPageTitle } from '../common/router.js';
import { restoreSession } from '../session/restore-session.js';

const TRASH = `query RecentlyDeleted($page: Int!, $pageSize: Int!) {
  deletedSessions(page: $page, pageSize: $pageSize) {
    totalCount page totalPages hasNextPage hasPreviousPage
    items { id title startsAt deletedAt mentor { name } menteeCount }
  }
}`;
const PAGE_SIZE = 20;

function trashRow(session, reload, say) {
  const restore = h(
    'button',
    { type: 'button', class: 'button', 'data-restore': session.id },
    'Restore',
    hidden(` ${session.title}`),
  );
  restore.addEventListener('click', async () => {
    restore.disabled = true;
    const { restored, problem } = await restoreSession(session.id);
    if (problem) {
      say(`“${session.title}” was not restored: ${problem}`, 'problem');
      restore.disabled = false;
      return;
    }
    say(`“${restored.title}” is restored and back in the Session list.`);
    reload();
  });
  return h(
    'tr',
    { 'data-session-id': session.id },
    h('th', { scope: 'row' }, session.title, h('span', { class: 'muted small' }, ` (ID ${session.id})`)),
    h('td', { class: 'nowrap' }, `${formatDateTime(session.startsAt)}`),
    h('td', {}, session.mentor.name),
    h('td', { class: 'numeric' }, String(session.menteeCount)),
    h('td', { class: 'nowrap' }, formatDateTime(session.deletedAt)),
    h('td', {}, restore),
  );
}

const COLUMNS = ['Session', 'Was to start (IST)', 'Mentor', 'Mentees', 'Deleted (IST)', 'Restore'];

function trashTable(rows) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'data-table', id: 'trash-table' },
      h('caption', { class: 'visually-hidden' }, 'Recently deleted sessions'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          COLUMNS.map((name) => h('th', { scope: 'col' }, name)),
        ),
      ),
      h('tbody', {}, rows),
    ),
  );
}

function pager(found, go) {
  if (found.totalPages <= 1) return null;
  return h(
    'nav',
    { class: 'pager', 'aria-label': 'Recently deleted pages' },
    h(
      'button',
      { type: 'button', class: 'button', disabled: !found.hasPreviousPage, onclick: () => go(-1) },
      'Previous',
    ),
    h('span', { class: 'range' }, ` Page ${found.page} of ${found.totalPages} `),
    h('button', { type: 'button', class: 'button', disabled: !found.hasNextPage, onclick: () => go(1) }, 'Next'),
  );
}

export function renderRecentlyDeleted(main, ctx) {
  setPageTitle('Recently deleted');
  const body = h('div', { id: 'trash-body' });
  const status = h('div', { id: 'trash-status', role: 'status', 'aria-live': 'polite' });
  let page = 1;
  main.append(
    breadcrumbs({ Workspace: '/workspace' }, 'Recently deleted'),
    h('h1', {}, 'Recently deleted'),
    h(
      'p',
      { class: 'lead' },
      'Sessions deleted in the last days, newest first. Restore brings one back with its mentees and meeting, ' +
        'while it is still in the future and its mentor is free; the mentor and mentees are told.',
    ),
    status,
    body,
  );

  const say = (text, kind = 'success') => fill(status, h('p', { class: `notice notice-${kind}` }, text));

  async function load() {
    fill(body, loadingMessage('Loading the deleted sessions…'));
    let found;
    try {
      ({ deletedSessions: found } = await graphql(TRASH, { page, pageSize: PAGE_SIZE }, { signal: ctx.signal }));
    } catch (error) {
      if (!ctx.signal.aborted) fill(body, errorMessage('The deleted sessions could not be loaded.', error, load));
      return;
    }
    if (!found.items.length) {
      fill(body, h('p', {}, 'No session was deleted recently.'));
      return;
    }
    fill(
      body,
      trashTable(found.items.map((session) => trashRow(session, load, say))),
      pager(found, (step) => {
        page += step;
        load();
      }),
    );
  }

  load();
}

registerRoute('/workspace/recently-deleted', renderRecentlyDeleted);
