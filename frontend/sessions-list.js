// The Session list section: search, filters with counts, sorting, paging and the CSV download.
// The address bar holds the whole state (page, pageSize, search, filters, sort), so Back, Reload and
// a shared link show the same list; every control changes the URL and the list follows it.

import { graphql } from './graphql.js';
import { errorMessage, fill, h, hidden } from './dom.js';
import { navigate } from './router.js';
import {
  formatDate, formatDuration, formatTime, PLATFORM_LABELS, STATUS_LABELS, TYPE_LABELS,
} from './format.js';
import { openMenteeList } from './mentee-list.js';
import { followSessionList } from './live.js';

/** Dispatch on `document` after sessions were created, changed or deleted; the list reloads. */
export const SESSIONS_CHANGED_EVENT = 'sessiondesk:sessions-changed';
export const LAST_LIST_KEY = 'sessiondesk:last-session-list';

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
const LIST_KEYS = ['page', 'pageSize', 'search', 'sort', 'direction', 'mentorIds', 'startsFrom', 'startsTo', ...FILTER_GROUPS.map((g) => g.key)];
// startsFrom / startsTo: ISO instants with an offset (the Workspace overview links to a day or a week).
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)$/;

// The filter counts change only with the filters and search, so paging and sorting skip them.
const LIST_QUERY = `query SessionList($filter: SessionFilter, $search: String, $sort: SessionSort, $page: Int!, $pageSize: Int!, $withFacets: Boolean!) {
  sessions(filter: $filter, search: $search, sort: $sort, page: $page, pageSize: $pageSize) {
    totalCount page pageSize totalPages hasNextPage hasPreviousPage
    items { id title type status startsAt durationMinutes menteeCount mentor { id name } }
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
    startsFrom: INSTANT.test(query.get('startsFrom') || '') ? query.get('startsFrom') : null,
    startsTo: INSTANT.test(query.get('startsTo') || '') ? query.get('startsTo') : null,
    sort: SORT_FIELDS.includes(sort) ? sort : null,
    direction: query.get('direction') === 'DESC' ? 'DESC' : 'ASC',
  };
}

function appendFilters(params, state) {
  if (state.search) params.set('search', state.search);
  for (const group of FILTER_GROUPS) for (const value of state.filters[group.key]) params.append(group.key, value);
  for (const id of state.mentorIds) params.append('mentorIds', id);
  if (state.startsFrom) params.set('startsFrom', state.startsFrom);
  if (state.startsTo) params.set('startsTo', state.startsTo);
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
  return params;
}

/** The CSV download of exactly this list (all pages): same filters, search and sort. */
export function downloadUrl(state) {
  const params = new URLSearchParams();
  appendFilters(params, state);
  const query = params.toString();
  return `/exports/sessions.csv${query ? `?${query}` : ''}`;
}

/** The same sessions in the bulk upload's columns, as Edit rows, ready to change and upload again. */
export function bulkEditUrl(state) {
  const params = new URLSearchParams({ format: 'bulk' });
  appendFilters(params, state);
  return `/exports/sessions.csv?${params}`;
}

export function graphqlVariables(state) {
  const filter = {};
  for (const group of FILTER_GROUPS) if (state.filters[group.key].length) filter[group.key] = state.filters[group.key];
  if (state.mentorIds.length) filter.mentorIds = state.mentorIds;
  if (state.startsFrom) filter.startsFrom = state.startsFrom;
  if (state.startsTo) filter.startsTo = state.startsTo;
  return {
    filter: Object.keys(filter).length ? filter : null,
    search: state.search || null,
    sort: state.sort ? { field: state.sort, direction: state.direction } : null,
    page: state.page,
    pageSize: state.pageSize,
  };
}

function hasFilters(state) {
  return FILTER_GROUPS.some((g) => state.filters[g.key].length) || state.mentorIds.length > 0 || Boolean(state.startsFrom || state.startsTo);
}

function optionLabel(group, value) {
  return (group.labels && group.labels[value]) || value;
}

export function statusBadge(status) {
  return h('span', { class: `badge badge-${status.toLowerCase()}` }, STATUS_LABELS[status] || status);
}

/** Mount the Session list into `section`; returns the view { update(ctx), leave() } that follows the URL. */
export function mountSessionList(section, ctx) {
  let state = readListState(ctx.query);
  let stateKey = null;
  let facets = null;
  let facetsKey = null;
  let mentorNames = {};
  let controller = null;
  let focusAfterChips = null;

  // --- controls -------------------------------------------------------------------------------
  const searchInput = h('input', {
    id: 'session-search', type: 'search', name: 'search', autocomplete: 'off',
    placeholder: 'Session title or mentor name', 'aria-describedby': 'session-search-hint',
  });
  const searchForm = h('form', { class: 'search-form', role: 'search', onsubmit: onSearch },
    h('label', { for: 'session-search' }, 'Search'),
    h('div', { class: 'search-row' },
      searchInput,
      h('button', { type: 'submit', class: 'button' }, 'Search')),
    h('p', { id: 'session-search-hint', class: 'hint' }, 'Title or mentor name; press Enter to search.'));

  const filtersCount = h('span', { class: 'count-badge', hidden: true });
  const filtersButton = h('button', {
    type: 'button', id: 'filters-button', class: 'button', 'aria-expanded': 'false', 'aria-controls': 'filters-panel',
    onclick: () => (filtersPanel.hidden ? openFilters() : closeFilters()),
  }, 'Filters', filtersCount);

  const downloadLink = h('a', { id: 'sessions-download', class: 'button button-quiet', download: '' },
    h('span', { 'aria-hidden': 'true' }, '⤓ '), 'Download', hidden(' the session list as CSV'));
  const bulkEditLink = h('a', { id: 'sessions-bulk-export', class: 'button button-quiet', download: '' },
    h('span', { 'aria-hidden': 'true' }, '⤓ '), 'Export for bulk edit', hidden(' (these sessions as a bulk upload CSV)'));

  const filterGroups = h('div', { class: 'filter-groups' });
  const filtersForm = h('form', { class: 'filters-form', onsubmit: applyFilters },
    h('h3', { id: 'filters-heading' }, 'Filters'),
    filterGroups,
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'button button-primary' }, 'Apply'),
      h('button', { type: 'button', class: 'button button-quiet', onclick: () => closeFilters() }, 'Cancel')));
  const filtersPanel = h('div', {
    id: 'filters-panel', class: 'filters-panel card', hidden: true, role: 'region', 'aria-labelledby': 'filters-heading',
    onkeydown: (event) => { if (event.key === 'Escape') { event.preventDefault(); closeFilters(); } },
  }, filtersForm);

  const chipList = h('ul', { class: 'chips', 'aria-label': 'Applied filters' });
  const clearAll = h('button', { type: 'button', class: 'button button-link', onclick: () => clearFilters() }, 'Clear all');
  const appliedFilters = h('div', { class: 'applied-filters', hidden: true }, chipList, clearAll);

  const listStatus = h('p', { id: 'session-list-status', class: 'list-status', role: 'status' });
  const results = h('div', { id: 'session-results', class: 'results' });

  const pageSizeSelect = h('select', { id: 'page-size', onchange: () => go({ pageSize: Number(pageSizeSelect.value), page: 1 }) },
    PAGE_SIZES.map((n) => h('option', { value: String(n) }, String(n))));
  const rangeText = h('span', { id: 'session-range', class: 'range' });
  const previousButton = h('button', { type: 'button', class: 'button', onclick: () => go({ page: state.page - 1 }) },
    h('span', { 'aria-hidden': 'true' }, '‹ '), 'Previous');
  const nextButton = h('button', { type: 'button', class: 'button', onclick: () => go({ page: state.page + 1 }) },
    'Next', h('span', { 'aria-hidden': 'true' }, ' ›'));
  const pager = h('nav', { class: 'pager', 'aria-label': 'Session list pages' },
    h('div', { class: 'page-size' }, h('label', { for: 'page-size' }, 'Items per page'), pageSizeSelect),
    rangeText,
    h('div', { class: 'pager-buttons' }, previousButton, nextButton));

  section.append(
    h('div', { class: 'list-toolbar' }, searchForm, h('div', { class: 'toolbar-actions' }, filtersButton, downloadLink, bulkEditLink)),
    filtersPanel,
    appliedFilters,
    listStatus,
    results,
    pager,
  );

  // --- changing the state (always through the URL) --------------------------------------------
  function go(changes) {
    const next = { ...state, ...changes };
    navigate(`${location.pathname}?${listSearchParams(next, new URLSearchParams(location.search))}`);
  }

  function onSearch(event) {
    event.preventDefault();
    go({ search: searchInput.value.trim(), page: 1 });
  }

  function clearFilters({ andSearch = false } = {}) {
    const filters = Object.fromEntries(FILTER_GROUPS.map((g) => [g.key, []]));
    go({ filters, mentorIds: [], startsFrom: null, startsTo: null, page: 1, ...(andSearch ? { search: '' } : {}) });
    (andSearch ? searchInput : filtersButton).focus();
  }

  function removeFilter(key, value, index) {
    focusAfterChips = index;
    if (key === 'startsFrom' || key === 'startsTo') {
      go({ [key]: null, page: 1 });
    } else if (key === 'mentorIds') {
      go({ mentorIds: state.mentorIds.filter((v) => v !== value), page: 1 });
    } else {
      go({ filters: { ...state.filters, [key]: state.filters[key].filter((v) => v !== value) }, page: 1 });
    }
  }

  function sortBy(field) {
    const currentField = state.sort || 'START_TIME';
    const direction = currentField === field && state.direction === 'ASC' ? 'DESC' : 'ASC';
    go({ sort: field, direction, page: 1 });
  }

  // --- the filter panel -----------------------------------------------------------------------
  /** Draw the checkboxes; `keepTicks` keeps what the person ticked but has not applied yet. */
  function renderFilterGroups({ keepTicks = false } = {}) {
    const ticked = keepTicks && filtersForm.querySelector('input') ? new FormData(filtersForm) : null;
    const focusedId = filtersPanel.contains(document.activeElement) ? document.activeElement.id : null;
    const isTicked = (key, value) => (ticked ? ticked.getAll(key).includes(value) : state.filters[key].includes(value));
    if (!facets) {
      fill(filterGroups, h('p', { class: 'muted' }, 'The filter options are still loading; try again in a moment.'));
      return;
    }
    fill(filterGroups, ...FILTER_GROUPS.map((group) => {
      const options = [...facets[group.key]];
      for (const value of state.filters[group.key]) {
        if (!options.some((o) => o.value === value)) options.push({ value, count: 0 });
      }
      return h('fieldset', { class: 'filter-group' },
        h('legend', {}, group.legend),
        options.length
          ? options.map((option) => h('label', { class: 'check', for: `filter-${group.key}-${encodeURIComponent(option.value)}` },
            h('input', {
              type: 'checkbox', id: `filter-${group.key}-${encodeURIComponent(option.value)}`, name: group.key, value: option.value,
              checked: isTicked(group.key, option.value),
            }),
            ` ${optionLabel(group, option.value)} `,
            h('span', { class: 'count' }, `(${option.count})`)))
          : h('p', { class: 'muted' }, 'No options yet.'));
    }));
    const refocus = focusedId && document.getElementById(focusedId);
    if (refocus) refocus.focus();
  }

  function openFilters() {
    renderFilterGroups();
    filtersPanel.hidden = false;
    filtersButton.setAttribute('aria-expanded', 'true');
    const first = filtersPanel.querySelector('input');
    (first || filtersPanel.querySelector('button')).focus();
  }

  function closeFilters({ focus = true } = {}) {
    filtersPanel.hidden = true;
    filtersButton.setAttribute('aria-expanded', 'false');
    if (focus) filtersButton.focus();
  }

  function applyFilters(event) {
    event.preventDefault();
    const data = new FormData(filtersForm);
    const filters = Object.fromEntries(FILTER_GROUPS.map((g) => [g.key, data.getAll(g.key)]));
    closeFilters();
    go({ filters, page: 1 });
  }

  function renderChips() {
    const chips = [];
    for (const group of FILTER_GROUPS) {
      for (const value of state.filters[group.key]) chips.push({ key: group.key, value, text: `${group.legend}: ${optionLabel(group, value)}` });
    }
    for (const id of state.mentorIds) chips.push({ key: 'mentorIds', value: id, text: `Mentor: ${mentorNames[id] || `#${id}`}` });
    if (state.startsFrom) chips.push({ key: 'startsFrom', value: state.startsFrom, text: `Starts from: ${formatDate(state.startsFrom)} ${formatTime(state.startsFrom)}` });
    if (state.startsTo) chips.push({ key: 'startsTo', value: state.startsTo, text: `Starts by: ${formatDate(state.startsTo)} ${formatTime(state.startsTo)}` });
    fill(chipList, ...chips.map((chip, index) => h('li', {},
      h('button', { type: 'button', class: 'chip', onclick: () => removeFilter(chip.key, chip.value, index) },
        chip.text, h('span', { class: 'chip-x', 'aria-hidden': 'true' }, ' ×'), hidden(', remove this filter')))));
    appliedFilters.hidden = chips.length === 0;
    filtersCount.hidden = chips.length === 0;
    filtersCount.textContent = chips.length ? ` ${chips.length}` : '';
    if (focusAfterChips !== null) {
      const buttons = chipList.querySelectorAll('button');
      (buttons[Math.min(focusAfterChips, buttons.length - 1)] || filtersButton).focus();
      focusAfterChips = null;
    }
  }

  // --- the results ----------------------------------------------------------------------------
  function sortHeader(label, field, className = false) {
    const active = (state.sort || 'START_TIME') === field;
    const direction = active ? state.direction : null;
    return h('th', { scope: 'col', class: className, 'aria-sort': direction ? (direction === 'ASC' ? 'ascending' : 'descending') : false },
      h('button', { type: 'button', class: 'sort-button', 'data-sort': field, onclick: () => sortBy(field) },
        label,
        h('span', { class: 'sort-mark', 'aria-hidden': 'true' }, direction === 'ASC' ? ' ▲' : direction === 'DESC' ? ' ▼' : ' ↕')));
  }

  function sessionRow(session) {
    const menteeButton = h('button', { type: 'button', class: 'button-link mentee-count' },
      String(session.menteeCount), hidden(` ${session.menteeCount === 1 ? 'mentee' : 'mentees'}: show the mentee list of ${session.title}`));
    menteeButton.addEventListener('click', () => openMenteeList({ sessionId: session.id, title: session.title, opener: menteeButton }));
    return h('tr', { 'data-session-id': session.id },
      h('td', { class: 'numeric' }, session.id),
      h('th', { scope: 'row', class: 'session-title' }, session.title),
      h('td', {}, TYPE_LABELS[session.type] || session.type),
      h('td', {}, h('a', { href: `/mentors/${session.mentor.id}` }, session.mentor.name)),
      h('td', { class: 'nowrap' }, h('time', { datetime: session.startsAt }, `${formatDate(session.startsAt)} ${formatTime(session.startsAt)}`)),
      h('td', { class: 'nowrap' }, formatDuration(session.durationMinutes)),
      h('td', { class: 'numeric' }, menteeButton),
      h('td', {}, statusBadge(session.status)),
      h('td', {}, h('a', { href: `/sessions/${session.id}`, class: 'nowrap' }, 'View details', hidden(` of ${session.title}`))));
  }

  function renderTable(page) {
    return h('div', { class: 'table-wrap' },
      h('table', { class: 'data-table sessions-table' },
        h('caption', { class: 'visually-hidden' }, `Sessions, page ${page.page} of ${page.totalPages}. Column headers with buttons sort the list.`),
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col', class: 'numeric' }, 'ID'),
          sortHeader('Title', 'TITLE'),
          h('th', { scope: 'col' }, 'Type'),
          h('th', { scope: 'col' }, 'Mentor'),
          sortHeader('Date and time (IST)', 'START_TIME'),
          h('th', { scope: 'col' }, 'Duration'),
          sortHeader('Mentee count', 'MENTEE_COUNT', 'numeric'),
          h('th', { scope: 'col' }, 'Status'),
          h('th', { scope: 'col' }, hidden('Details')))),
        h('tbody', {}, page.items.map(sessionRow))));
  }

  function renderEmpty() {
    if (state.search || hasFilters(state)) {
      return h('div', { class: 'empty' },
        h('p', {}, h('strong', {}, 'No sessions match your search and filters.')),
        h('p', {}, 'Try other words, or remove some filters.'),
        h('button', { type: 'button', class: 'button', onclick: () => clearFilters({ andSearch: true }) }, 'Clear search and filters'));
    }
    return h('div', { class: 'empty' },
      h('p', {}, h('strong', {}, 'No sessions yet.')),
      h('p', {}, 'Sessions you create or bulk upload appear here.'));
  }

  function renderPager(page) {
    const from = page.totalCount ? (page.page - 1) * page.pageSize + 1 : 0;
    const to = page.totalCount ? from + page.items.length - 1 : 0;
    rangeText.textContent = page.totalCount ? `${from}–${to} of ${page.totalCount}` : '0 of 0';
    const focused = document.activeElement;
    previousButton.disabled = !page.hasPreviousPage;
    nextButton.disabled = !page.hasNextPage;
    // Keep the keyboard in the pager when the button it was on turns off at the first or last page.
    if (focused === nextButton && nextButton.disabled && !previousButton.disabled) previousButton.focus();
    if (focused === previousButton && previousButton.disabled && !nextButton.disabled) nextButton.focus();
    return { from, to };
  }

  function syncControls() {
    if (document.activeElement !== searchInput || searchInput.value.trim() === state.search) searchInput.value = state.search;
    pageSizeSelect.value = String(state.pageSize);
    downloadLink.href = downloadUrl(state);
    bulkEditLink.href = bulkEditUrl(state);
    renderChips();
    if (!filtersPanel.hidden) renderFilterGroups();
  }

  /** `quiet`: a live update — no loading state, and the keyboard stays on the link it was on. */
  async function load({ quiet = false } = {}) {
    if (controller) controller.abort();
    controller = new AbortController();
    const { signal } = controller;
    const requested = state;
    sessionStorage.setItem(LAST_LIST_KEY, `${location.pathname}?${listSearchParams(state)}`);

    if (!quiet) {
      section.setAttribute('aria-busy', 'true');
      results.classList.add('is-loading');
      fill(listStatus, h('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Loading sessions…');
    }
    const wantedFacets = JSON.stringify([requested.filters, requested.mentorIds, requested.search]);
    const withFacets = wantedFacets !== facetsKey;

    let data;
    try {
      data = await graphql(LIST_QUERY, { ...graphqlVariables(requested), withFacets }, { signal });
    } catch (error) {
      if (signal.aborted) return;
      section.removeAttribute('aria-busy');
      results.classList.remove('is-loading');
      listStatus.replaceChildren();
      rangeText.textContent = '';
      fill(results, errorMessage('The session list could not be loaded.', error, () => load()));
      return;
    }
    if (signal.aborted) return;

    const page = data.sessions;
    if (withFacets) {
      facets = data.sessionFacets;
      facetsKey = wantedFacets;
    }
    if (!page.items.length && page.totalCount > 0 && requested.page > page.totalPages) {
      // A page past the end (the list got shorter, or an old link): show the last page instead.
      navigate(`${location.pathname}?${listSearchParams({ ...requested, page: page.totalPages }, new URLSearchParams(location.search))}`, { replace: true });
      return;
    }
    for (const s of page.items) mentorNames[s.mentor.id] = s.mentor.name;
    if (state.mentorIds.length) renderChips();

    section.removeAttribute('aria-busy');
    results.classList.remove('is-loading');
    const { from, to } = renderPager(page);
    // The table is drawn anew; a keyboard user who sorted by a header stays on that header.
    const sortFocused = document.activeElement && results.contains(document.activeElement) && document.activeElement.dataset.sort;
    const focusedHref = results.contains(document.activeElement) ? document.activeElement.getAttribute('href') : null;
    fill(results, page.items.length ? renderTable(page) : renderEmpty());
    if (sortFocused) results.querySelector(`[data-sort="${sortFocused}"]`).focus();
    if (quiet && focusedHref) {
      const again = results.querySelector(`a[href="${CSS.escape(focusedHref)}"]`);
      if (again) again.focus();
    }
    fill(listStatus, hidden(page.totalCount
      ? `Showing ${from}–${to} of ${page.totalCount} sessions.`
      : 'No sessions to show.'));
    if (!filtersPanel.hidden) renderFilterGroups({ keepTicks: true });
  }

  function follow(nextCtx) {
    ctx = nextCtx;
    state = readListState(ctx.query);
    const key = JSON.stringify(state);
    syncControls();
    if (key === stateKey) return;
    stateKey = key;
    load();
  }

  const reload = () => load();
  document.addEventListener(SESSIONS_CHANGED_EVENT, reload);
  const stopLive = followSessionList(section, () => load({ quiet: true }));
  follow(ctx);

  return {
    update: follow,
    leave() {
      document.removeEventListener(SESSIONS_CHANGED_EVENT, reload);
      stopLive();
      if (controller) controller.abort();
    },
  };
}
