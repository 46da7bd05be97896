// The Workspace page: where the Application menu leads — the schedule overview (overview.js) and the
// manager's tools.

import { h } from '../shared/dom.js';
import { navigate, setPageTitle } from '../shared/router.js';
import { mountOverview } from './overview.js';

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
    ),
  );
  const stop = mountOverview(main, ctx.viewer);
  return { leave: stop };
}
