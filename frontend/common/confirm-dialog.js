// A small modal question with a dangerous "yes" and a safe "Cancel" (focused first); resolves true or false.

import { h } from './dom.js';

export function confirmDialog({ id, title, text, yes }) {
  return new Promise((resolve) => {
    let answer = false;
    const yesButton = h(
      'button',
      {
        type: 'button',
        class: 'button button-danger-solid',
        id: `${id}-yes`,
        onclick: () => {
          answer = true;
          dialog.close();
        },
      },
      yes,
    );
    const cancel = h('button', { type: 'button', class: 'button', onclick: () => dialog.close() }, 'Cancel');
    const dialog = h(
      'dialog',
      {
        id,
        class: 'dialog dialog-small',
        role: 'alertdialog',
        'aria-modal': 'true',
        'aria-labelledby': `${id}-title`,
        'aria-describedby': `${id}-text`,
      },
      h(
        'div',
        { class: 'dialog-inner' },
        h('h2', { id: `${id}-title` }, title),
        h('p', { id: `${id}-text` }, text),
        h('div', { class: 'dialog-footer' }, yesButton, cancel),
      ),
    );
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}
