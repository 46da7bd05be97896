// Short messages that outlive a change of screen ("Session deleted."): shown above the page and read out.
//
// The live region is made once, when the app starts, so screen readers already watch it when a
// message arrives. A message belongs to one path (by default the current one, or the one about to be
// shown) and goes away once the person moves on to another screen.

import { fill, h } from './dom.js';

let region = null;
let shownOn = null;

function noticeArea() {
  if (region && region.isConnected) return region;
  region = h('div', { id: 'notice-area', class: 'notice-area', role: 'status', 'aria-live': 'polite' });
  const main = document.getElementById('main');
  if (main) {
    main.before(region);
    // A new screen replaces <main>'s children; a message meant for another path then goes.
    new MutationObserver(() => {
      if (shownOn && location.pathname !== shownOn) clearNotice();
    }).observe(main, { childList: true });
  } else {
    document.body.prepend(region);
  }
  return region;
}

/**
 * Show and announce `text`. `kind` is 'success' (default) or 'problem'; `path` is the screen it is
 * about (default: the current one), e.g. the session list the app is about to go back to; `action`
 * ({ label, run }) adds a button beside it, such as Undo.
 */
export function announce(text, { kind = 'success', path = location.pathname, action = null } = {}) {
  const area = noticeArea();
  shownOn = new URL(path, location.href).pathname;
  const dismiss = h(
    'button',
    {
      type: 'button',
      class: 'button-link notice-dismiss',
      onclick: () => clearNotice(),
    },
    'Dismiss',
    h('span', { class: 'visually-hidden' }, ' this message'),
  );
  const button =
    action && h('button', { type: 'button', class: 'button notice-action', onclick: action.run }, action.label);
  fill(
    area,
    h('p', { class: `notice notice-${kind}` }, h('span', { class: 'notice-text' }, text), ' ', button, ' ', dismiss),
  );
}

export function clearNotice() {
  shownOn = null;
  if (region) region.replaceChildren();
}

noticeArea();
