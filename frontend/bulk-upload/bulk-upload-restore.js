// "Restore the sessions this file deleted" on a finished upload's results: every session its Delete rows
// deleted that is deleted still comes back (restoreBulkUploadDeletions), each row answering for itself —
// restored, or the sentence saying why not (its start has passed, its mentor was booked meanwhile).

import { graphql } from '../common/graphql.js';
import { fill, h } from '../common/dom.js';
import { plural } from '../common/format.js';
import { SESSIONS_CHANGED_EVENT } from '../list/sessions-list.js';

const RESTORE_UPLOAD = `mutation RestoreBulkUploadDeletions($uploadId: ID!) {
  restoreBulkUploadDeletions(uploadId: $uploadId) {
    rows { rowNumber sessionId session { id title } errors { message } }
    errors { message }
  }
}`;

function rowResult(row) {
  if (row.session) return h('li', { class: 'restored' }, `Row ${row.rowNumber}: “${row.session.title}” is restored.`);
  const why = row.errors.map((e) => e.message).join(' ');
  return h('li', { class: 'not-restored' }, `Row ${row.rowNumber} (session ${row.sessionId}) was not restored: ${why}`);
}

/** The offer, when the upload deleted sessions that are deleted still; null otherwise. */
export function restoreOffer(upload) {
  if (upload.dryRun || !upload.deletedSessionsToRestore) return null;
  const results = h('div', { id: 'bulk-restore-results', role: 'status' });
  const button = h(
    'button',
    { type: 'button', class: 'button', id: 'bulk-restore' },
    'Restore the sessions this file deleted',
  );
  button.addEventListener('click', async () => {
    button.disabled = true;
    fill(results, 'Restoring…');
    try {
      const { restoreBulkUploadDeletions: done } = await graphql(RESTORE_UPLOAD, { uploadId: upload.id });
      if (done.errors.length) {
        fill(results, done.errors.map((e) => e.message).join(' '));
        button.disabled = false;
        return;
      }
      const restored = done.rows.filter((row) => row.session).length;
      fill(
        results,
        h('p', {}, `${plural(restored, 'session')} of ${done.rows.length} restored.`),
        h('ul', { class: 'restore-rows' }, done.rows.map(rowResult)),
      );
      document.dispatchEvent(new CustomEvent(SESSIONS_CHANGED_EVENT));
    } catch (error) {
      fill(results, `The sessions were not restored: ${error.message}`);
      button.disabled = false;
    }
  });
  return h(
    'section',
    { class: 'card bulk-restore', 'aria-labelledby': 'bulk-restore-heading' },
    h('h4', { id: 'bulk-restore-heading' }, 'Deleted by this file'),
    h(
      'p',
      {},
      `This file deleted ${plural(upload.deletedSessionsToRestore, 'session')} that are still deleted. ` +
        'Restoring brings each back while it is still in the future and its mentor is free, and tells its people.',
    ),
    button,
    results,
  );
}
