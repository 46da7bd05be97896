// The Session list section: search, filters with counts, sorting, paging and the CSV download.
// The address bar holds the whole state (page, pageSize, search, filters, sort), so Back, Reload and
// a shared link show the same list; every control changes the URL and the list follows it.
//
// Its parts: sessions-list-state.js (the state and the URL), sessions-list-filters.js (the filter
// panel and chips), sessions-list-table.js (the table of a page); this module places the toolbar and
// the pager, loads pages and keeps the parts in step.

import { icon } from '../common/icons.js';
import { graphql } from '../common/graphql.js';
import { errorMessage, fill, h, hidden } from '../common/dom.js';
import { navigate } from '../common/router.js';
import { CLEARED_VIEW } from './list-view.js';
import { createFilters } from './sessions-list-filters.js';
import {
  bulkEditUrl,
  downloadUrl,
  FILTER_GROUPS,
  graphqlVariables,
  LIST_QUERY,
  listSearchParams,
  PAGE_SIZES,
  readListState,
} from './sessions-list-state.js';
import { emptyList, sessionsTable, statusBadge } from './sessions-list-table.js';
import { followSessionList } from '../common/live.js';

export { statusBadge };

/** Dispatch on `document` after sessions were created, changed or deleted; the list reloads. */
export const SESSIONS_CHANGED_EVENT = 'sessiondesk:sessions-changed';
export const LAST_LIST_KEY = 'sessiondesk:last-session-list';

/** The search box; submitting it searches from the first page. */
function createSearch(list) {
  const input = h('input', {
    id: 'session-search',
    type: 'search',
    name: 'search',
    autocomplete: 'off',
    placeholder: 'Session title or mentor name',
    'aria-describedby': 'session-search-hint',
  });
  const form = h(
    'form',
    {
      class: 'search-form',
      role: 'search',
      onsubmit: (event) => {
        event.preventDefault();
        list.go({ search: input.value.trim(), page: 1 });
      },
    },
    h('label', { for: 'session-search' }, 'Search'),
    h('div', { class: 'search-row' }, input, h('button', { type: 'submit', class: 'button' }, 'Search')),
    h('p', { id: 'session-search-hint', class: 'hint' }, 'Title or mentor name; press Enter to search.'),
  );
  return {
    form,
    input,
    sync() {
      // Text being typed stays; a search changed elsewhere (Back, a link) replaces it.
      if (document.activeElement !== input || input.value.trim() === list.state.search) input.value = list.state.search;
    },
  };
}

/** Download and Export for bulk edit: links to exactly the sessions listed (all pages). */
function createDownloads(list, viewer) {
  const download = h(
    'a',
    { id: 'sessions-download', class: 'button button-quiet', download: '' },
    icon('download'),
    'Download',
    hidden(' the session list as CSV'),
  );
  const bulkEdit = h(
    'a',
    { id: 'sessions-bulk-export', class: 'button button-quiet', download: '' },
    icon('download'),
    'Export for bulk edit',
    hidden(' (these sessions as a bulk upload CSV)'),
  );
  return {
    links: [download, bulkEdit],
    sync() {
      // The bulk-edit file holds meeting links and mentees' e-mails: the server gives it to managers only.
      bulkEdit.hidden = !(viewer?.roles || []).includes('MANAGER');
      download.href = downloadUrl(list.state);
      bulkEdit.href = bulkEditUrl(list.state);
    },
  };
}

/** Items per page, the range shown, Previous and Next. */
function createPager(list) {
  const sizeSelect = h(
    'select',
    { id: 'page-size', onchange: () => list.go({ pageSize: Number(sizeSelect.value), page: 1 }) },
    PAGE_SIZES.map((n) => h('option', { value: String(n) }, String(n))),
  );
  const range = h('span', { id: 'session-range', class: 'range' });
  const previous = h(
    'button',
    { type: 'button', class: 'button', onclick: () => list.go({ page: list.state.page - 1 }) },
    icon('previous'),
    'Previous',
  );
  const next = h(
    'button',
    { type: 'button', class: 'button', onclick: () => list.go({ page: list.state.page + 1 }) },
    'Next',
    icon('next'),
  );
  const element = h(
    'nav',
    { class: 'pager', 'aria-label': 'Session list pages' },
    h('div', { class: 'page-size' }, h('label', { for: 'page-size' }, 'Items per page'), sizeSelect),
    range,
    h('div', { class: 'pager-buttons' }, previous, next),
  );
  return {
    element,
    sync() {
      sizeSelect.value = String(list.state.pageSize);
    },
    clear() {
      range.textContent = '';
    },
    /** Show `page`; returns the positions { from, to } of its first and last session. */
    show(page) {
      const from = page.totalCount ? (page.page - 1) * page.pageSize + 1 : 0;
      const to = page.totalCount ? from + page.items.length - 1 : 0;
      range.textContent = page.totalCount ? `${from}–${to} of ${page.shownCount}` : '0 of 0';
      const focused = document.activeElement;
      previous.disabled = !page.hasPreviousPage;
      next.disabled = !page.hasNextPage;
      // Keep the keyboard in the pager when the button it was on turns off at the first or last page.
      if (focused === next && next.disabled && !previous.disabled) previous.focus();
      if (focused === previous && previous.disabled && !next.disabled) next.focus();
      return { from, to };
    },
  };
}

/**
 * What the list's parts share: `state` (read from the URL), `facets`, `mentorNames`, and the changes. Every
 * change of the list goes through the URL (`go`), which calls the view's `follow`. `focusAfterClear(andSearch)`
 * puts the keyboard back after Clear all.
 */
function sharedList(ctx, focusAfterClear) {
  const list = {
    state: readListState(ctx.query),
    facets: null,
    mentorNames: {},
    isManager: (ctx.viewer?.roles || []).includes('MANAGER'),
    go(changes) {
      const next = { ...list.state, ...changes };
      navigate(`${location.pathname}?${listSearchParams(next, new URLSearchParams(location.search))}`);
    },
    clearFilters({ andSearch = false } = {}) {
      const filters = Object.fromEntries(FILTER_GROUPS.map((g) => [g.key, []]));
      list.go({ filters, mentorIds: [], view: CLEARED_VIEW, page: 1, ...(andSearch ? { search: '' } : {}) });
      focusAfterClear(andSearch);
    },
    sortBy(field) {
      const direction = (list.state.sort || 'START_TIME') === field && list.state.direction === 'ASC' ? 'DESC' : 'ASC';
      list.go({ sort: field, direction, page: 1 });
    },
  };
  return list;
}

/** The table is drawn anew; the keyboard stays on the header it sorted by, or the link it was on (a live update). */
function redrawKeepingFocus(results, content) {
  const sortFocused =
    document.activeElement && results.contains(document.activeElement) && document.activeElement.dataset.sort;
  const focusedHref = results.contains(document.activeElement) ? document.activeElement.getAttribute('href') : null;
  fill(results, content);
  if (sortFocused) results.querySelector(`[data-sort="${sortFocused}"]`).focus();
  if (focusedHref && !results.contains(document.activeElement)) {
    const again = results.querySelector(`a[href="${CSS.escape(focusedHref)}"]`);
    if (again) again.focus();
  }
}

function placeParts({ section, search, filterControls, downloads, pager, listStatus, results }) {
  section.append(
    h(
      'div',
      { class: 'list-toolbar' },
      search.form,
      h('div', { class: 'toolbar-actions' }, filterControls.button, ...downloads.links),
    ),
    filterControls.panel,
    filterControls.applied,
    listStatus,
    results,
    pager.element,
  );
}

function showLoading({ section, results, listStatus }) {
  section.setAttribute('aria-busy', 'true');
  results.classList.add('is-loading');
  fill(listStatus, h('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Loading sessions…');
}

function showError({ section, results, listStatus, pager }, error, retry) {
  section.removeAttribute('aria-busy');
  results.classList.remove('is-loading');
  listStatus.replaceChildren();
  pager.clear();
  fill(results, errorMessage('The session list could not be loaded.', error, retry));
}

function showPage({ section, results, listStatus, pager }, page, list) {
  section.removeAttribute('aria-busy');
  results.classList.remove('is-loading');
  const { from, to } = pager.show(page);
  redrawKeepingFocus(results, page.items.length ? sessionsTable(page, list.state, list) : emptyList(list.state, list));
  fill(
    listStatus,
    hidden(page.totalCount ? `Showing ${from}–${to} of ${page.shownCount} sessions.` : 'No sessions to show.'),
  );
}

/**
 * The page with its count as the list shows it: exact, or capped by the server on a large search
 * (`matchCount.exact` false: "1,000+"), and the number of pages that count makes.
 */
function withCounts(page) {
  const { count, exact } = page.matchCount;
  const shownCount = exact ? String(count) : `${count.toLocaleString('en')}+`;
  const totalPages = Math.max(1, Math.ceil(count / page.pageSize));
  return {
    ...page,
    totalCount: count,
    shownCount,
    totalPages,
    shownPages: exact ? String(totalPages) : `${totalPages}+`,
  };
}

/** A page past the end (the list got shorter, or an old link): show the last page instead. */
function showLastPage(requested, page) {
  const query = listSearchParams({ ...requested, page: page.totalPages }, new URLSearchParams(location.search));
  navigate(`${location.pathname}?${query}`, { replace: true });
}

/** Mount the Session list into `section`; returns the view { update(ctx), leave() } that follows the URL. */
export function mountSessionList(section, ctx) {
  const list = sharedList(ctx, (andSearch) => (andSearch ? search.input : filterControls.button).focus());
  let stateKey = null;
  let facetsKey = null;
  let controller = null;

  const search = createSearch(list);
  const filterControls = createFilters(list);
  const downloads = createDownloads(list, ctx.viewer);
  const pager = createPager(list);
  const listStatus = h('p', { id: 'session-list-status', class: 'list-status', role: 'status' });
  const results = h('div', { id: 'session-results', class: 'results' });
  const parts = { section, search, filterControls, downloads, pager, listStatus, results };
  placeParts(parts);

  /** `quiet`: a live update, drawn without the loading state. */
  async function load({ quiet = false } = {}) {
    if (controller) controller.abort();
    controller = new AbortController();
    const { signal } = controller;
    const requested = list.state;
    sessionStorage.setItem(LAST_LIST_KEY, `${location.pathname}?${listSearchParams(requested)}`);

    if (!quiet) showLoading(parts);
    // The filter counts change only with the filters and search, so paging and sorting skip them.
    const wantedFacets = JSON.stringify([requested.filters, requested.mentorIds, requested.search]);
    const withFacets = wantedFacets !== facetsKey;

    let data;
    try {
      data = await graphql(LIST_QUERY, { ...graphqlVariables(requested), withFacets }, { signal });
    } catch (error) {
      if (!signal.aborted) showError(parts, error, () => load());
      return;
    }
    if (signal.aborted) return;

    const page = withCounts(data.sessions);
    if (withFacets) {
      list.facets = data.sessionFacets;
      facetsKey = wantedFacets;
    }
    if (!page.items.length && page.totalCount > 0 && requested.page > page.totalPages) {
      showLastPage(requested, page);
      return;
    }
    for (const s of page.items) list.mentorNames[s.mentor.id] = s.mentor.name;
    showPage(parts, page, list);
    filterControls.loaded();
  }

  function follow(nextCtx) {
    list.state = readListState(nextCtx.query);
    search.sync();
    pager.sync();
    downloads.sync();
    filterControls.sync();
    const key = JSON.stringify(list.state);
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
