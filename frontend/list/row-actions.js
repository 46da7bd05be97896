// Edit and Delete icons in each row of the Session list. They are enabled by the session's
// canEdit / canDelete; when not, they stay in place (aria-disabled) and say why as their tooltip
// and description. Delete asks for the same confirmation as the Session Details page.

import { h } from '../common/dom.js';
import { icon } from '../common/icons.js';

export const ROW_ACTION_FIELDS = 'canEdit editBlockedReason canEditMeeting canDelete deleteBlockedReason';

function blockedButton(name, iconName, reason, key) {
  const reasonId = `row-${key}-reason`;
  return [
    h(
      'button',
      {
        type: 'button',
        class: 'icon-button',
        'aria-disabled': 'true',
        'aria-label': name,
        title: reason,
        'aria-describedby': reasonId,
        'data-action': key.split('-')[0],
      },
      icon(iconName),
    ),
    h('span', { id: reasonId, class: 'visually-hidden' }, reason),
  ];
}

function editLink(href, label) {
  return h('a', { href, class: 'icon-button', 'aria-label': label, title: label, 'data-action': 'edit' }, icon('edit'));
}

/** Edit: the details while they may change; on a live session, its meeting link (R2); else off, saying why. */
function editAction(session) {
  if (session.canEdit) return editLink(`/sessions/${session.id}/edit`, `Edit ${session.title}`);
  if (session.canEditMeeting)
    return editLink(`/sessions/${session.id}/edit?tab=meeting`, `Edit the meeting link of ${session.title}`);
  return blockedButton(`Edit ${session.title}`, 'edit', session.editBlockedReason, `edit-${session.id}`);
}

/** The actions cell content of one session row (the session needs ROW_ACTION_FIELDS and menteeCount, startsAt). */
export function rowActions(session) {
  const edit = editAction(session);
  let remove;
  if (session.canDelete) {
    remove = h(
      'button',
      {
        type: 'button',
        class: 'icon-button icon-button-danger',
        'aria-label': `Delete ${session.title}`,
        title: `Delete ${session.title}`,
        'data-action': 'delete',
      },
      icon('delete'),
    );
    remove.addEventListener('click', async () => {
      const { confirmDelete } = await import('../session/delete-session.js');
      confirmDelete(session, { button: remove });
    });
  } else {
    remove = blockedButton(`Delete ${session.title}`, 'delete', session.deleteBlockedReason, `delete-${session.id}`);
  }
  return h('span', { class: 'row-actions' }, edit, remove);
}
