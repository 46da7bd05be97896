// "Earlier uploads" on the Bulk upload tab: the uploader's uploads, newest first, a page at a time, each
// with its counts, its result CSV and a button that shows its rows.

import { icon } from '../common/icons.js';
import { graphql } from '../common/graphql.js';
import { errorMessage, fill, h, hidden } from '../common/dom.js';
import { formatDateTime } from '../common/format.js';
import { UPLOAD_FIELDS, uploadBadge } from './bulk-upload-job.js';

const HISTORY_PAGE_SIZE = 10;
const HISTORY = `query BulkUploadHistory($page: Int!, $pageSize: Int!) {
  bulkUploads(page: $page, pageSize: $pageSize) { totalCount page pageSize totalPages hasNextPage hasPreviousPage items { ${UPLOAD_FIELDS} } }
}`;

function uploadRow(upload, onShow) {
  return h(
    'tr',
    { 'data-upload-id': upload.id },
    h('th', { scope: 'row' }, upload.fileName),
    h('td', { class: 'nowrap' }, formatDateTime(upload.createdAt)),
    h('td', { class: 'nowrap' }, upload.dryRun ? 'Check only' : 'Upload'),
    h('td', {}, uploadBadge(upload)),
    h('td', { class: 'numeric' }, String(upload.totalRows)),
    h('td', { class: 'numeric' }, String(upload.validRows)),
    h('td', { class: 'numeric' }, String(upload.invalidRows)),
    h(
      'td',
      { class: 'history-actions' },
      h(
        'button',
        { type: 'button', class: 'button-link', onclick: () => onShow(upload) },
        upload.status === 'FAILED' ? 'Why' : 'Show rows',
        hidden(` of ${upload.fileName}`),
      ),
      upload.resultCsvUrl
        ? h('a', { href: upload.resultCsvUrl, download: '' }, 'Result CSV', hidden(` of ${upload.fileName}`))
        : upload.status === 'FAILED'
          ? h('span', { class: 'muted small history-message' }, upload.message || '')
          : null,
    ),
  );
}

function historyTable(items, onShow) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'data-table', id: 'bulk-history-table' },
      h('caption', { class: 'visually-hidden' }, 'Your earlier bulk uploads, newest first'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'File'),
          h('th', { scope: 'col' }, 'Uploaded (IST)'),
          h('th', { scope: 'col' }, 'Kind'),
          h('th', { scope: 'col' }, 'Status'),
          h('th', { scope: 'col', class: 'numeric' }, 'Rows'),
          h('th', { scope: 'col', class: 'numeric' }, 'Valid'),
          h('th', { scope: 'col', class: 'numeric' }, 'Invalid'),
          h('th', { scope: 'col' }, 'Result'),
        ),
      ),
      h(
        'tbody',
        {},
        items.map((upload) => uploadRow(upload, onShow)),
      ),
    ),
  );
}

function historyPager(found, previous, next) {
  return h(
    'nav',
    { class: 'pager', 'aria-label': 'Earlier upload pages' },
    h('span', { class: 'range' }, `Page ${found.page} of ${found.totalPages}`),
    h('div', { class: 'pager-buttons' }, previous, next),
  );
}

/**
 * `signal` ends loading when the tab is left; `onShow(upload)` shows an upload's rows; `onLoaded(found)` hears
 * each page read, before it is drawn. Returns { section, load() }; `load()` draws the current page again
 * (after an upload changed).
 */
export function createHistory({ signal, onShow, onLoaded }) {
  let page = 1;
  const body = h('div', { id: 'bulk-history-body' });
  const section = h(
    'section',
    { class: 'card', id: 'bulk-history', 'aria-labelledby': 'bulk-history-heading' },
    h('h3', { id: 'bulk-history-heading' }, 'Earlier uploads'),
    body,
  );

  function table(found) {
    const previous = h(
      'button',
      {
        type: 'button',
        class: 'button',
        disabled: !found.hasPreviousPage,
        onclick: () => {
          page -= 1;
          load();
        },
      },
      icon('previous'),
      'Previous',
    );
    const next = h(
      'button',
      {
        type: 'button',
        class: 'button',
        disabled: !found.hasNextPage,
        onclick: () => {
          page += 1;
          load();
        },
      },
      'Next',
      icon('next'),
    );
    return [historyTable(found.items, onShow), found.totalPages > 1 ? historyPager(found, previous, next) : null];
  }

  async function load() {
    try {
      const { bulkUploads } = await graphql(HISTORY, { page, pageSize: HISTORY_PAGE_SIZE }, { signal });
      if (!bulkUploads.items.length && page > 1) {
        page = bulkUploads.totalPages;
        load();
        return;
      }
      onLoaded(bulkUploads);
      fill(
        body,
        bulkUploads.items.length
          ? table(bulkUploads)
          : h('p', { class: 'muted' }, 'No uploads yet. Your uploads and their result files will be listed here.'),
      );
    } catch (error) {
      if (signal.aborted) return;
      fill(body, errorMessage('The earlier uploads could not be loaded.', error, load));
    }
  }

  return { section, load };
}
