// The Mentee list window: who enrolled in or was invited to a session, with a CSV download.

import { graphql } from '../common/graphql.js';
import { errorMessage, fill, h, loadingMessage } from '../common/dom.js';
import { icon } from '../common/icons.js';
import { ATTENDANCE_LABELS, plural } from '../common/format.js';

const MENTEES_QUERY = `query MenteeList($id: ID!) {
  session(id: $id) {
    id title menteeCount enrolledCount invitedCount seatsLimit
    mentees { id name email designation kind }
  }
}`;

function menteeTable(session) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'data-table' },
      h('caption', { class: 'visually-hidden' }, `Mentees of ${session.title}`),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Name'),
          h('th', { scope: 'col' }, 'Email'),
          h('th', { scope: 'col' }, 'Designation'),
          h('th', { scope: 'col' }, 'Enrolled or invited'),
        ),
      ),
      h(
        'tbody',
        {},
        session.mentees.map((m) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, m.name),
            h('td', {}, h('a', { href: `mailto:${m.email}` }, m.email)),
            h('td', {}, m.designation || '—'),
            h(
              'td',
              {},
              h('span', { class: `badge badge-${m.kind.toLowerCase()}` }, ATTENDANCE_LABELS[m.kind] || m.kind),
            ),
          ),
        ),
      ),
    ),
  );
}

function downloadLink(sessionId) {
  return h(
    'a',
    {
      href: `/exports/sessions/${encodeURIComponent(sessionId)}/mentees.csv`,
      class: 'button button-quiet',
      download: '',
      hidden: true,
    },
    icon('download'),
    'Download',
    h('span', { class: 'visually-hidden' }, ' the mentee list as CSV'),
  );
}

/** No mentees, or none this viewer may see. */
function noMenteesShown(session) {
  return h(
    'p',
    { class: 'empty', role: 'status' },
    session.menteeCount
      ? 'Only session managers and the session’s mentor can see who attends.'
      : 'No mentees have enrolled in or been invited to this session yet.',
  );
}

/**
 * Open the Mentee list of a session as a modal dialog. Escape or Close shuts it, and the keyboard
 * goes back to `opener` (the button that opened it).
 */
export function openMenteeList({ sessionId, title, opener }) {
  const controller = new AbortController();
  const summary = h('p', { id: 'mentee-list-summary', class: 'dialog-subtitle' }, title || '');
  const body = h('div', { class: 'dialog-body' });
  // Shown once the list is known to be the viewer's to see (managers and the session's mentor).
  const download = downloadLink(sessionId);
  const closeButton = h('button', { type: 'button', class: 'button', onclick: () => dialog.close() }, 'Close');
  const dialog = h(
    'dialog',
    {
      id: 'mentee-list-dialog',
      class: 'dialog',
      'aria-labelledby': 'mentee-list-title',
      'aria-describedby': 'mentee-list-summary',
    },
    h(
      'div',
      { class: 'dialog-inner' },
      h('div', { class: 'dialog-header' }, h('h2', { id: 'mentee-list-title' }, 'Mentee list'), summary),
      body,
      h('div', { class: 'dialog-footer' }, download, closeButton),
    ),
  );

  // Back or Forward leaves the screen the window belongs to, so the window goes too.
  const closeOnHistory = () => dialog.close();
  window.addEventListener('popstate', closeOnHistory);
  dialog.addEventListener('close', () => {
    window.removeEventListener('popstate', closeOnHistory);
    controller.abort();
    dialog.remove();
    const main = document.getElementById('main');
    (opener && opener.isConnected ? opener : main).focus();
  });
  // A click on the backdrop (outside the inner box) closes the window, as people expect.
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) dialog.close();
  });

  async function load() {
    fill(body, loadingMessage('Loading mentees…'));
    let session;
    try {
      ({ session } = await graphql(MENTEES_QUERY, { id: sessionId }, { signal: controller.signal }));
    } catch (error) {
      if (controller.signal.aborted) return;
      fill(body, errorMessage('The mentee list could not be loaded.', error, load));
      return;
    }
    if (!session) {
      fill(body, h('p', { role: 'alert' }, 'This session no longer exists, or it is not yours to see.'));
      return;
    }
    download.hidden = session.menteeCount > 0 && !session.mentees.length;
    summary.textContent = `${session.title}: ${plural(session.menteeCount, 'mentee')} (${session.enrolledCount} enrolled, ${session.invitedCount} invited) of ${session.seatsLimit} seats`;
    if (!session.mentees.length) {
      fill(body, noMenteesShown(session));
      return;
    }
    fill(
      body,
      h('p', { class: 'visually-hidden', role: 'status' }, `${plural(session.mentees.length, 'mentee')} loaded.`),
      menteeTable(session),
    );
  }

  document.body.append(dialog);
  dialog.showModal();
  closeButton.focus();
  load();
  return dialog;
}
