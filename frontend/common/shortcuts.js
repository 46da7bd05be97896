// Keyboard shortcuts (`/` search, `c` create, `g l` list, `g c` calendar, `?` lists them) and the Ctrl/Cmd-K
// palette that jumps to a session (by title or ID), a mentor or a page. Keys typed into a field are the field's.

import { h, fill } from './dom.js';
import { graphql } from './graphql.js';
import { navigate } from './router.js';
import { formatDateTime } from './format.js';

const LIST = '/workspace/sessions';
const CALENDAR = '/workspace/sessions?show=calendar&calendar=grid';

export const SHORTCUTS = [
  ['/', 'Search the sessions'],
  ['c', 'Create a session (managers)'],
  ['g then l', 'Go to the session list'],
  ['g then c', 'Go to the calendar'],
  ['?', 'Show these shortcuts'],
  ['Ctrl K or ⌘ K', 'Jump to a session, a mentor or a page'],
];

/** The pages a person may jump to, by role. */
function pagesFor(viewer) {
  const roles = viewer?.roles || [];
  const pages = [];
  if (roles.includes('MANAGER'))
    pages.push(
      ['Manage sessions', LIST],
      ['Create session', '/sessions/new'],
      ['Bulk upload', `${LIST}?tab=bulk`],
      ['Workspace overview', '/workspace'],
      ['Vocabulary', '/workspace/vocabulary'],
    );
  else pages.push(['Sessions', LIST]);
  if (roles.includes('MENTOR')) pages.push(['Mentor desk', '/desk/mentor']);
  if (roles.includes('MENTEE')) pages.push(['Mentee desk', '/desk/mentee']);
  pages.push(['Calendar', CALENDAR], ['Calendar feed', '/my-calendar']);
  return pages.map(([label, href]) => ({ kind: 'Page', label, href }));
}

const PALETTE_QUERY = `query Palette($search: String!, $withMentors: Boolean!) {
  sessions(search: $search, pageSize: 6) { items { id title startsAt } }
  findMentors(search: $search, first: 5) @include(if: $withMentors) { id name }
}`;
const BY_ID = `query PaletteSession($id: ID!) { session(id: $id) { id title startsAt } }`;

function sessionItem(s) {
  return {
    kind: 'Session',
    label: `${s.title} · ID ${s.id} · ${formatDateTime(s.startsAt)}`,
    href: `/sessions/${s.id}`,
  };
}

/** What the palette offers for `text`: matching pages, a session with that ID, sessions and mentors by name. */
async function paletteItems(text, viewer, signal) {
  const needle = text.trim().toLowerCase();
  const pages = pagesFor(viewer).filter((p) => p.label.toLowerCase().includes(needle));
  if (!needle) return pages;
  const withMentors = (viewer?.roles || []).includes('MANAGER');
  const [found, byId] = await Promise.all([
    graphql(PALETTE_QUERY, { search: text.trim(), withMentors }, { signal }),
    /^\d{1,9}$/.test(needle) ? graphql(BY_ID, { id: needle }, { signal }) : Promise.resolve({ session: null }),
  ]);
  const sessions = found.sessions.items.filter((s) => !byId.session || s.id !== byId.session.id);
  return [
    ...(byId.session ? [sessionItem(byId.session)] : []),
    ...sessions.map(sessionItem),
    ...(found.findMentors || []).map((m) => ({ kind: 'Mentor', label: m.name, href: `/mentors/${m.id}` })),
    ...pages,
  ];
}

function optionList(items, active) {
  return items.map((item, index) =>
    h(
      'li',
      {
        id: `palette-option-${index}`,
        role: 'option',
        class: index === active ? 'palette-option is-active' : 'palette-option',
        'aria-selected': String(index === active),
        'data-href': item.href,
      },
      h('span', { class: 'palette-kind' }, item.kind),
      ' ',
      item.label,
    ),
  );
}

function paletteDialog() {
  const input = h('input', {
    type: 'text',
    id: 'palette-input',
    role: 'combobox',
    'aria-expanded': 'true',
    'aria-controls': 'palette-options',
    'aria-autocomplete': 'list',
    autocomplete: 'off',
    placeholder: 'Session title or ID, mentor, page…',
  });
  const list = h('ul', { id: 'palette-options', role: 'listbox', 'aria-label': 'Results' });
  const status = h('p', { class: 'palette-status muted', role: 'status' });
  const dialog = h(
    'dialog',
    { class: 'dialog palette', id: 'palette', 'aria-label': 'Jump to' },
    h('label', { for: 'palette-input', class: 'visually-hidden' }, 'Jump to a session, a mentor or a page'),
    input,
    list,
    status,
  );
  return { dialog, input, list, status };
}

/** Open the palette: type, move with the arrows, Enter (or a click) goes there, Escape closes. */
export function openPalette(viewer) {
  if (document.getElementById('palette')) return;
  const { dialog, input, list, status } = paletteDialog();
  let items = [];
  let active = 0;
  let controller = null;
  const draw = () => {
    fill(list, optionList(items, active));
    list.hidden = !items.length;
    status.textContent = items.length ? `${items.length} found` : 'Nothing matches.';
    if (items.length) input.setAttribute('aria-activedescendant', `palette-option-${active}`);
    else input.removeAttribute('aria-activedescendant');
  };
  const go = (item) => {
    dialog.close();
    if (item) navigate(item.href);
  };
  let pending = Promise.resolve();
  function search() {
    pending = lookUp();
  }
  async function lookUp() {
    controller?.abort();
    controller = new AbortController();
    try {
      items = await paletteItems(input.value, viewer, controller.signal);
    } catch (error) {
      if (error.name === 'AbortError') return;
      items = [];
    }
    active = 0;
    draw();
  }
  input.addEventListener('input', search);
  input.addEventListener('keydown', (event) => {
    const step = { ArrowDown: 1, ArrowUp: -1 }[event.key];
    if (step && items.length) {
      event.preventDefault();
      active = (active + step + items.length) % items.length;
      draw();
    } else if (event.key === 'Enter') {
      event.preventDefault();
      // Enter right after typing goes to the first result for what was typed, not for what was there before.
      pending.then(() => go(items[active]));
    }
  });
  list.addEventListener('click', (event) => {
    const option = event.target.closest('[data-href]');
    if (option) go(items.find((item) => item.href === option.dataset.href));
  });
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  search();
}

/** The `?` dialog: every shortcut and what it does. */
export function openShortcutHelp() {
  if (document.getElementById('shortcut-help')) return;
  const close = h('button', { type: 'button', class: 'button', onclick: () => dialog.close() }, 'Close');
  const dialog = h(
    'dialog',
    { class: 'dialog dialog-small', id: 'shortcut-help', 'aria-labelledby': 'shortcut-help-title' },
    h(
      'div',
      { class: 'dialog-inner' },
      h('h2', { id: 'shortcut-help-title' }, 'Keyboard shortcuts'),
      h(
        'dl',
        { class: 'shortcut-list' },
        SHORTCUTS.map(([keys, what]) => [h('dt', {}, h('kbd', {}, keys)), h('dd', {}, what)]),
      ),
      h('div', { class: 'dialog-footer' }, close),
    ),
  );
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  close.focus();
}

/** Focus the session search, going to the list first when this page has none. */
function focusSearch() {
  const box = document.getElementById('session-search');
  if (box) {
    box.focus();
    return;
  }
  navigate(LIST);
  const found = new MutationObserver(() => {
    const appeared = document.getElementById('session-search');
    if (!appeared) return;
    found.disconnect();
    appeared.focus();
  });
  found.observe(document.getElementById('main'), { childList: true, subtree: true });
}

function typingIn(target) {
  return target.closest?.('input, textarea, select, [contenteditable="true"], dialog');
}

/** Listen for the shortcuts; `viewer()` says who is signed in (none work signed out). */
export function startShortcuts(viewer) {
  let leader = false;
  document.addEventListener('keydown', (event) => {
    if (!viewer()) return;
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k') {
      event.preventDefault();
      openPalette(viewer());
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typingIn(event.target)) return;
    const after = leader;
    leader = false;
    const actions = {
      '/': focusSearch,
      '?': openShortcutHelp,
      c: () => (viewer().roles || []).includes('MANAGER') && navigate('/sessions/new'),
      g: () => (leader = true),
    };
    const followUps = { l: () => navigate(LIST), c: () => navigate(CALENDAR) };
    const action = after && followUps[event.key] ? followUps[event.key] : actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });
}
