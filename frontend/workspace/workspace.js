// The Workspace page: where the Application menu leads — the schedule overview (overview.js) and the
// manager's tools.

import { h } from '../common/dom.js';
import { navigate, setPageTitle } from '../common/router.js';
import { mountOverview } from './overview.js';

/** Activity and Recently deleted: a manager's, who alone may read the history and restore sessions. */
function managerTools(viewer) {
  if (!(viewer?.roles || []).includes('MANAGER')) return null;
  return [
    h(
      'li',
      { class: 'card' },
      h('h2', {}, h('a', { href: '/workspace/activity' }, 'Activity')),
      h('p', {}, 'Every change of the sessions: who made it, when, how (app, API, bulk upload) and what changed.'),
    ),
    h(
      'li',
      { class: 'card' },
      h('h2', {}, h('a', { href: '/workspace/recently-deleted' }, 'Recently deleted')),
      h('p', {}, 'Sessions deleted in the last days, to restore one deleted by mistake.'),
    ),
  ];
}

export function renderWorkspace(main, ctx) {
  // The Workspace is a manager's; anyone else is sent on to their own desk.
  if (!(ctx.viewer?.roles || []).includes('MANAGER')) return navigate('/', { replace: true });
  setPageTitle('Workspace');
  main.append(
    h('h1', {}, 'Workspace'),
    h(
      'ul',
      { class: 'tool-list' },
      h(
        'li',
        { class: 'card' },
        h('h2', {}, h('a', { href: '/workspace/sessions' }, 'Manage sessions')),
        h(
          'p',
          {},
          'Create sessions, find them in the session list or the calendar, see who attends, and bulk upload changes.',
        ),
      ),
      h(
        'li',
        { class: 'card' },
        h('h2', {}, h('a', { href: '/workspace/vocabulary' }, 'Vocabulary')),
        h('p', {}, 'The lists of categories, “recommended for” values and mediums that sessions pick from.'),
      ),
      managerTools(ctx.viewer),
    ),
  );
  const stop = mountOverview(main, ctx.viewer);
  return { leave: stop };
}
