// Workspace › Activity (/workspace/activity), for managers: every change of the organisation's sessions,
// newest first — who, when, how and what changed — with filters (session, person, kind of change, dates)
// kept in the URL, pages, and the same list as a CSV file (GET /exports/activity.csv).

import { graphql } from '../common/graphql.js';
import { breadcrumbs, errorMessage, fill, h, loadingMessage } from '../common/dom.js';
import { field } from '../common/forms.js';
import { formatDateTime } from '../common/format.js';
import { navigate, registerRoute, setPageTitle } from '../common/router.js';
import { changesList, channelText, ENTRY, KIND_LABELS } from '../session/session-history.js';

const ACTIVITY = `query Activity($filter: ActivityFilter, $page: Int!, $pageSize: Int!) {
  activity(filter: $filter, page: $page, pageSize: $pageSize) { totalCount page pageSize items { ${ENTRY} } }
}`;
const PAGE_SIZE = 25;

/** The filters as the URL holds them, for the query and the download alike. */
function filterOf(query) {
  const filter = {};
  if (query.get('sessionId')) filter.sessionId = query.get('sessionId');
  if (query.get('actorId')) filter.actorId = query.get('actorId');
  if (query.get('kind')) filter.kind = [query.get('kind')];
  for (const [name, end] of [
    ['from', 'T00:00:00+05:30'],
    ['to', 'T23:59:59+05:30'],
  ]) {
    if (query.get(name)) filter[name] = `${query.get(name)}${end}`;
  }
  return filter;
}

function downloadUrl(filter) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filter)) params.set(name, Array.isArray(value) ? value[0] : value);
  const search = params.toString();
  return `/exports/activity.csv${search ? `?${search}` : ''}`;
}

function filterForm(query) {
  const input = (name, attributes = {}) =>
    h('input', { id: `activity-${name}`, name, value: query.get(name) || '', ...attributes });
  const kind = h(
    'select',
    { id: 'activity-kind', name: 'kind' },
    h('option', { value: '' }, 'Any change'),
    Object.entries(KIND_LABELS).map(([value, label]) =>
      h('option', { value, selected: query.get('kind') === value }, label),
    ),
  );
  const controls = {
    sessionId: input('sessionId', { inputmode: 'numeric', size: '8' }),
    actorId: input('actorId', { inputmode: 'numeric', size: '8' }),
    from: input('from', { type: 'date' }),
    to: input('to', { type: 'date' }),
  };
  const form = h(
    'form',
    { class: 'card filters-row', id: 'activity-filters', role: 'search', 'aria-label': 'Filter the changes' },
    field({ label: 'Session ID', control: controls.sessionId }).element,
    field({ label: 'Person (user ID)', control: controls.actorId }).element,
    field({ label: 'Kind of change', control: kind }).element,
    field({ label: 'From (IST)', control: controls.from }).element,
    field({ label: 'To (IST)', control: controls.to }).element,
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'button button-primary' }, 'Apply'),
      h('a', { href: '/workspace/activity', class: 'button button-quiet' }, 'Clear'),
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(form)) if (String(value).trim()) params.set(name, String(value).trim());
    navigate(`/workspace/activity${params.toString() ? `?${params}` : ''}`);
  });
  return form;
}

function activityTable(found) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'data-table', id: 'activity-table' },
      h('caption', { class: 'visually-hidden' }, 'Changes, newest first'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'When (IST)'),
          h('th', { scope: 'col' }, 'Session'),
          h('th', { scope: 'col' }, 'Who'),
          h('th', { scope: 'col' }, 'How'),
          h('th', { scope: 'col' }, 'Change'),
          h('th', { scope: 'col' }, 'What changed'),
        ),
      ),
      h(
        'tbody',
        {},
        found.items.map((entry) =>
          h(
            'tr',
            { 'data-activity-id': entry.id },
            h('td', { class: 'nowrap' }, h('time', { datetime: entry.at }, formatDateTime(entry.at))),
            h(
              'td',
              {},
              h('a', { href: `/sessions/${entry.sessionId}` }, entry.sessionTitle),
              h('span', { class: 'muted small' }, ` (ID ${entry.sessionId})`),
            ),
            h('td', {}, entry.actorName),
            h('td', {}, channelText(entry)),
            h('td', {}, KIND_LABELS[entry.kind] || entry.kind),
            h('td', {}, changesList(entry)),
          ),
        ),
      ),
    ),
  );
}

export function renderActivity(main, ctx) {
  setPageTitle('Activity');
  const body = h('div', { id: 'activity-body' });
  const download = h('a', { class: 'button', id: 'activity-download', download: '' }, 'Download CSV');
  main.append(
    breadcrumbs({ Workspace: '/workspace' }, 'Activity'),
    h('h1', {}, 'Activity'),
    h('p', { class: 'lead' }, 'Every change of the organisation’s sessions: who made it, when, how, and what changed.'),
    filterForm(ctx.query),
    h('div', { class: 'actions' }, download),
    body,
  );

  async function load(query) {
    const filter = filterOf(query);
    const page = Math.max(1, Number(query.get('page')) || 1);
    download.href = downloadUrl(filter);
    fill(body, loadingMessage('Loading the changes…'));
    let found;
    try {
      ({ activity: found } = await graphql(ACTIVITY, { filter, page, pageSize: PAGE_SIZE }, { signal: ctx.signal }));
    } catch (error) {
      if (!ctx.signal.aborted)
        fill(
          body,
          errorMessage('The changes could not be loaded.', error, () => load(query)),
        );
      return;
    }
    const pages = Math.max(1, Math.ceil(found.totalCount / PAGE_SIZE));
    const go = (to) => {
      const params = new URLSearchParams(query);
      params.set('page', String(to));
      navigate(`/workspace/activity?${params}`);
    };
    fill(
      body,
      h(
        'p',
        { class: 'muted', id: 'activity-count', role: 'status' },
        `${found.totalCount} change${found.totalCount === 1 ? '' : 's'}`,
      ),
      found.items.length ? activityTable(found) : h('p', {}, 'No change matches these filters.'),
      pages > 1
        ? h(
            'nav',
            { class: 'pager', 'aria-label': 'Activity pages' },
            h(
              'button',
              { type: 'button', class: 'button', disabled: page <= 1, onclick: () => go(page - 1) },
              'Previous',
            ),
            h('span', { class: 'range' }, ` Page ${page} of ${pages} `),
            h(
              'button',
              { type: 'button', class: 'button', disabled: page >= pages, onclick: () => go(page + 1) },
              'Next',
            ),
          )
        : null,
    );
  }

  load(ctx.query);
  return { update: (next) => load(next.query) };
}

registerRoute('/workspace/activity', renderActivity);
