// The Session list's state and how it travels: read from and written to the URL's query string, turned
// into GraphQL variables, and into the CSV download links. No DOM here.

import { PLATFORM_LABELS, STATUS_LABELS, TYPE_LABELS } from '../common/format.js';
import { appendView, appendViewToDownload, readView, VIEW_KEYS, viewChips, viewFilter } from './list-view.js';
import { ROW_ACTION_FIELDS } from './row-actions.js';

export const PAGE_SIZES = [10, 25, 50, 100];
const DEFAULT_PAGE_SIZE = 10;
const SORT_FIELDS = ['START_TIME', 'TITLE', 'MENTEE_COUNT', 'CREATED_AT'];

export const FILTER_GROUPS = [
  { key: 'statuses', legend: 'Status', labels: STATUS_LABELS, known: Object.keys(STATUS_LABELS) },
  { key: 'types', legend: 'Type', labels: TYPE_LABELS, known: Object.keys(TYPE_LABELS) },
  { key: 'platforms', legend: 'Meeting platform', labels: PLATFORM_LABELS, known: Object.keys(PLATFORM_LABELS) },
  { key: 'categories', legend: 'Category' },
  { key: 'recommendedFor', legend: 'Recommended for' },
  { key: 'mediums', legend: 'Medium' },
];
const LIST_KEYS = [
  'page',
  'pageSize',
  'search',
  'sort',
  'direction',
  'mentorIds',
  ...VIEW_KEYS,
  ...FILTER_GROUPS.map((g) => g.key),
];

// The filter counts change only with the filters and search, so paging and sorting skip them.
export const LIST_QUERY = `query SessionList($filter: SessionFilter, $search: String, $sort: SessionSort, $page: Int!, $pageSize: Int!, $withFacets: Boolean!) {
  sessions(filter: $filter, search: $search, sort: $sort, page: $page, pageSize: $pageSize) {
    matchCount { count exact } page pageSize hasNextPage hasPreviousPage
    items { id title type status startsAt durationMinutes menteeCount mentor { id name } ${ROW_ACTION_FIELDS} }
  }
  sessionFacets(filter: $filter, search: $search) @include(if: $withFacets) {
    statuses { value count } types { value count } platforms { value count }
    categories { value count } recommendedFor { value count } mediums { value count }
  }
}`;

function unique(values) {
  return [...new Set(values.filter((v) => v !== ''))];
}

/** The list's state as read from a URL's query string; unknown values are dropped, not sent. */
export function readListState(query) {
  const page = Number.parseInt(query.get('page'), 10);
  const pageSize = Number.parseInt(query.get('pageSize'), 10);
  const filters = {};
  for (const group of FILTER_GROUPS) {
    const values = unique(query.getAll(group.key));
    filters[group.key] = group.known ? values.filter((v) => group.known.includes(v)) : values;
  }
  const sort = query.get('sort');
  return {
    page: page >= 1 ? page : 1,
    pageSize: PAGE_SIZES.includes(pageSize) ? pageSize : DEFAULT_PAGE_SIZE,
    search: (query.get('search') || '').trim(),
    filters,
    mentorIds: unique(query.getAll('mentorIds')).filter((id) => /^\d+$/.test(id)),
    sort: SORT_FIELDS.includes(sort) ? sort : null,
    direction: query.get('direction') === 'DESC' ? 'DESC' : 'ASC',
    view: readView(query),
  };
}

function appendFilters(params, state) {
  if (state.search) params.set('search', state.search);
  for (const group of FILTER_GROUPS) for (const value of state.filters[group.key]) params.append(group.key, value);
  for (const id of state.mentorIds) params.append('mentorIds', id);
  if (state.sort) {
    params.set('sort', state.sort);
    params.set('direction', state.direction);
  }
}

/** The list's URL query for a state, keeping parameters that are not the list's (such as `tab`). */
export function listSearchParams(state, base = new URLSearchParams()) {
  const params = new URLSearchParams(base);
  for (const key of LIST_KEYS) params.delete(key);
  params.set('page', String(state.page));
  params.set('pageSize', String(state.pageSize));
  appendFilters(params, state);
  appendView(params, state);
  return params;
}

/** The CSV download of exactly this list (all pages): same filters, search and sort. */
export function downloadUrl(state) {
  const params = new URLSearchParams();
  appendFilters(params, state);
  appendViewToDownload(params, state);
  const query = params.toString();
  return `/exports/sessions.csv${query ? `?${query}` : ''}`;
}

/** The same sessions in the bulk upload's columns, as Edit rows, ready to change and upload again. */
export function bulkEditUrl(state) {
  const params = new URLSearchParams({ format: 'bulk' });
  appendFilters(params, state);
  appendViewToDownload(params, state);
  return `/exports/sessions.csv?${params}`;
}

export function graphqlVariables(state) {
  const filter = {};
  for (const group of FILTER_GROUPS) if (state.filters[group.key].length) filter[group.key] = state.filters[group.key];
  if (state.mentorIds.length) filter.mentorIds = state.mentorIds;
  Object.assign(filter, viewFilter(state));
  return {
    filter: Object.keys(filter).length ? filter : null,
    search: state.search || null,
    sort: state.sort ? { field: state.sort, direction: state.direction } : null,
    page: state.page,
    pageSize: state.pageSize,
  };
}

export function hasFilters(state) {
  return (
    FILTER_GROUPS.some((g) => state.filters[g.key].length) || state.mentorIds.length > 0 || viewChips(state).length > 0
  );
}

export function optionLabel(group, value) {
  return (group.labels && group.labels[value]) || value;
}
