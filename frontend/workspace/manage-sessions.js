// Workspace → Manage sessions: the "Create sessions" tab (with the Session list) and the "Bulk upload" tab.
//
// Other screens fill the tabs through `registerTabContent(tab, render)`:
//   'create' → render(container #create-session-slot, ctx), above the Session list;
//   'bulk'   → render(section #bulk-upload-tab, ctx), replacing its placeholder.
// A renderer runs the first time its tab is shown and may return { update(ctx), leave() }.
// Anything that changes sessions can ask the list to reload with
//   document.dispatchEvent(new CustomEvent(SESSIONS_CHANGED_EVENT)).

import { breadcrumbs, h } from '../common/dom.js';
import { navigate, setPageTitle, urlWithTab } from '../common/router.js';
import { mountSessionList, SESSIONS_CHANGED_EVENT } from '../list/sessions-list.js';
import { mountCalendarView } from '../calendar/calendar.js';

export { SESSIONS_CHANGED_EVENT };

const TABS = [
  { key: 'create', label: 'Create sessions', panelId: 'create-sessions-tab' },
  { key: 'bulk', label: 'Bulk upload', panelId: 'bulk-upload-tab' },
];
const DEFAULT_TAB = 'create';
const tabRenderers = new Map();

/** Fill a tab: 'create' (the slot above the Session list) or 'bulk' (the Bulk upload tab). */
export function registerTabContent(tab, render) {
  if (!TABS.some((t) => t.key === tab))
    throw new Error(`Unknown Manage sessions tab "${tab}"; use one of: ${TABS.map((t) => t.key).join(', ')}.`);
  tabRenderers.set(tab, render);
}

function tabFrom(query) {
  const tab = query.get('tab');
  return TABS.some((t) => t.key === tab) ? tab : DEFAULT_TAB;
}

const urlForTab = (tab) => urlWithTab(tab, DEFAULT_TAB);

function tabButton(tab, { onclick, onkeydown }) {
  return h(
    'button',
    {
      type: 'button',
      role: 'tab',
      id: `tab-${tab.key}`,
      'data-tab': tab.key,
      'aria-controls': tab.panelId,
      onclick,
      onkeydown,
    },
    tab.label,
  );
}

function sessionListSection() {
  return h(
    'section',
    { id: 'session-list', class: 'session-list', 'aria-labelledby': 'session-list-heading' },
    h('h2', { id: 'session-list-heading' }, 'Session list'),
  );
}

/**
 * The tabs' panels: Create sessions (the create slot above the Session list) and Bulk upload (a placeholder until
 * its module renders).
 */
function tabPanels(listSection) {
  const panels = new Map();
  panels.set(
    'create',
    h(
      'section',
      { id: 'create-sessions-tab', role: 'tabpanel', 'aria-labelledby': 'tab-create', class: 'tab-panel' },
      h('div', { id: 'create-session-slot' }),
      listSection,
    ),
  );
  panels.set(
    'bulk',
    h(
      'section',
      { id: 'bulk-upload-tab', role: 'tabpanel', 'aria-labelledby': 'tab-bulk', class: 'tab-panel' },
      h('h2', {}, 'Bulk upload'),
      h(
        'p',
        { class: 'muted' },
        'Create, edit or delete many sessions at once from a CSV file. This tab is on its way.',
      ),
    ),
  );
  return panels;
}

/** Mentors and mentees see the session list they may see, without a manager's tools (create, bulk upload). */
function renderSessionsOnly(main, ctx) {
  setPageTitle('Sessions');
  const listSection = sessionListSection();
  main.append(h('h1', {}, 'Sessions'), listSection);
  const list = mountSessionList(listSection, ctx);
  const calendar = mountCalendarView(listSection, ctx);
  return {
    update(next) {
      list.update(next);
      calendar.update(next);
    },
    leave() {
      list.leave();
      calendar.leave();
    },
  };
}

export function renderManageSessions(main, ctx) {
  if (!(ctx.viewer?.roles || []).includes('MANAGER')) return renderSessionsOnly(main, ctx);
  setPageTitle('Manage sessions');
  const tabButtons = new Map();
  const tabViews = new Map();
  let shown = null;
  let lastCtx = ctx;

  function onTabKey(event) {
    const keys = TABS.map((t) => t.key);
    const index = keys.indexOf(event.currentTarget.dataset.tab);
    const target = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: keys.length - 1 }[event.key];
    if (target === undefined) return;
    event.preventDefault();
    const tab = keys[(target + keys.length) % keys.length];
    tabButtons.get(tab).focus();
    navigate(urlForTab(tab));
  }

  const tablist = h(
    'div',
    { class: 'tabs', role: 'tablist', 'aria-label': 'Manage sessions' },
    TABS.map((tab) => {
      const button = tabButton(tab, {
        onclick: () => {
          if (tab.key !== shown) navigate(urlForTab(tab.key));
        },
        onkeydown: onTabKey,
      });
      tabButtons.set(tab.key, button);
      return button;
    }),
  );

  const listSection = sessionListSection();
  const panels = tabPanels(listSection);

  main.append(
    breadcrumbs({ Workspace: '/workspace' }, 'Manage sessions'),
    h('h1', {}, 'Manage sessions'),
    tablist,
    ...panels.values(),
  );

  const list = mountSessionList(listSection, ctx);
  const calendar = mountCalendarView(listSection, ctx);

  function show(tab) {
    for (const { key } of TABS) {
      const selected = key === tab;
      tabButtons.get(key).setAttribute('aria-selected', String(selected));
      tabButtons.get(key).tabIndex = selected ? 0 : -1;
      panels.get(key).hidden = !selected;
    }
    shown = tab;
    const slot = tab === 'create' ? document.getElementById('create-session-slot') : panels.get('bulk');
    if (tabRenderers.has(tab) && !tabViews.has(tab)) {
      tabViews.set(tab, tabRenderers.get(tab)(slot, lastCtx) || null);
    }
  }

  // The create-tab extension renders at once: it sits above the list, which is shown by default.
  show(tabFrom(ctx.query));
  if (tabRenderers.has('create') && !tabViews.has('create')) {
    tabViews.set('create', tabRenderers.get('create')(document.getElementById('create-session-slot'), ctx) || null);
  }

  return {
    update(next) {
      lastCtx = next;
      show(tabFrom(next.query));
      list.update(next);
      calendar.update(next);
      for (const view of tabViews.values()) if (view && view.update) view.update(next);
    },
    leave() {
      list.leave();
      calendar.leave();
      for (const view of tabViews.values()) if (view && view.leave) view.leave();
    },
  };
}
