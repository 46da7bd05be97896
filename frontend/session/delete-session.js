// Deleting a session from its Session Details page: Delete asks for confirmation in a dialog
// ("Yes delete" or Cancel); a deleted session leaves every list (R3), so the app goes back to the
// Session list and says so.

import { graphql } from '../common/graphql.js';
import { fill, h } from '../common/dom.js';
import { deletingHere } from '../common/live.js';
import { navigate } from '../common/router.js';
import { formatDateTime, plural } from '../common/format.js';
import { announce } from '../common/notice.js';
import { undoDelete } from './restore-session.js';
import { onDeleteSession } from './session-details.js';
import { LAST_LIST_KEY, SESSIONS_CHANGED_EVENT } from '../list/sessions-list.js';

const DELETE = `mutation DeleteSession($id: ID!, $notify: Boolean!) {
  deleteSession(id: $id, notify: $notify) { deletedId errors { field code message } }
}`;

/** Ask to confirm deleting `session`; on "Yes delete" delete it and go back to the Session list. */
export function confirmDelete(session, { button, reload } = {}) {
  const problem = h('div', { class: 'form-problem', role: 'alert', id: 'delete-problem' });
  const notify = h('input', { type: 'checkbox', id: 'delete-notify', checked: true });
  const yes = h('button', { type: 'button', class: 'button button-danger-solid', id: 'confirm-delete' }, 'Yes delete');
  const cancel = h('button', { type: 'button', class: 'button', onclick: () => dialog.close() }, 'Cancel');
  const people = session.menteeCount ? ` and ${plural(session.menteeCount, 'mentee')}` : '';
  const dialog = h(
    'dialog',
    {
      id: 'delete-dialog',
      class: 'dialog dialog-small',
      role: 'alertdialog',
      'aria-modal': 'true',
      'aria-labelledby': 'delete-dialog-title',
      'aria-describedby': 'delete-dialog-text',
    },
    h(
      'div',
      { class: 'dialog-inner' },
      h('h2', { id: 'delete-dialog-title' }, 'Delete this session?'),
      h(
        'p',
        { id: 'delete-dialog-text' },
        h('strong', {}, session.title),
        ` on ${formatDateTime(session.startsAt)} IST will be cancelled and removed from the Session list. `,
        'You can undo it while it is still upcoming (Undo, or Workspace › Recently deleted).',
      ),
      h('label', { class: 'check', for: 'delete-notify' }, notify, ` Email the mentor${people} that it is cancelled`),
      problem,
      h('div', { class: 'dialog-footer' }, yes, cancel),
    ),
  );

  dialog.addEventListener('close', () => {
    dialog.remove();
    if (dialog.dataset.deleted !== 'true' && button && button.isConnected) button.focus();
  });
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog && !yes.disabled) dialog.close();
  });
  // While the deletion runs, Escape must not hide a dialog whose outcome is still coming.
  dialog.addEventListener('cancel', (event) => {
    if (yes.disabled) event.preventDefault();
  });

  yes.addEventListener('click', async () => {
    problem.replaceChildren();
    yes.disabled = true;
    cancel.disabled = true;
    yes.textContent = 'Deleting…';
    try {
      deletingHere(session.id);
      const { deleteSession } = await graphql(DELETE, { id: session.id, notify: notify.checked });
      if (deleteSession.errors.length) {
        fill(problem, h('p', {}, deleteSession.errors.map((e) => e.message).join(' ')));
        if (reload) reload();
        return;
      }
      dialog.dataset.deleted = 'true';
      dialog.close();
      const listUrl = sessionStorage.getItem(LAST_LIST_KEY) || '/workspace/sessions';
      document.dispatchEvent(new CustomEvent(SESSIONS_CHANGED_EVENT));
      announce(`The session “${session.title}” (ID ${session.id}) is deleted and no longer in the Session list.`, {
        path: listUrl,
        action: { label: 'Undo', run: () => undoDelete(session) },
      });
      navigate(listUrl);
    } catch (error) {
      fill(problem, h('p', {}, `The session was not deleted: ${error.message}`));
    } finally {
      yes.disabled = false;
      cancel.disabled = false;
      yes.textContent = 'Yes delete';
    }
  });

  document.body.append(dialog);
  dialog.showModal();
  cancel.focus();
  return dialog;
}

onDeleteSession((session, options) => confirmDelete(session, options));
