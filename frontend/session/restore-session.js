// Undo for deletes: bring a deleted session back (restoreSession) — the Undo offered after a delete and
// Restore under Recently deleted. When it cannot come back (its start has passed, its mentor was booked
// meanwhile, it left the trash), the server's sentence says why.

import { graphql } from '../common/graphql.js';
import { announce } from '../common/notice.js';
import { SESSIONS_CHANGED_EVENT } from '../list/sessions-list.js';

const RESTORE = `mutation RestoreSession($id: ID!) {
  restoreSession(id: $id) { session { id title } errors { field code message } }
}`;

/** { restored: session } or { problem: the sentence saying why not }. */
export async function restoreSession(id) {
  try {
    const { restoreSession: payload } = await graphql(RESTORE, { id });
    if (payload.errors.length) return { problem: payload.errors.map((e) => e.message).join(' ') };
    document.dispatchEvent(new CustomEvent(SESSIONS_CHANGED_EVENT));
    return { restored: payload.session };
  } catch (error) {
    return { problem: error.message };
  }
}

/** The Undo button's work after `session` was deleted: restore it and say how that went. */
export async function undoDelete(session) {
  const { restored, problem } = await restoreSession(session.id);
  if (problem) {
    announce(`“${session.title}” could not be restored: ${problem}`, { kind: 'problem' });
    return;
  }
  announce(`“${restored.title}” is restored and back in the Session list.`);
}
