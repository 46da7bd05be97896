// The upload shown on the Bulk upload tab: its progress while it runs, then its summary, the row
// results page by page (all rows or only the invalid ones) and the result CSV.

import { icon } from '../common/icons.js';
import { graphql } from '../common/graphql.js';
import { errorMessage, fill, h } from '../common/dom.js';
import { formatDateTime, plural } from '../common/format.js';
import { SESSIONS_CHANGED_EVENT } from '../list/sessions-list.js';
import { followBulkUpload } from '../common/live.js';
import { applyButton, messageList, sessionLink } from './bulk-upload-extras.js';
import { restoreOffer } from './bulk-upload-restore.js';

const ROWS_PAGE_SIZE = 50;

export const UPLOAD_FIELDS = `id status fileName dryRun totalRows processedRows validRows invalidRows resultCsvUrl message createdAt finishedAt`;

const ROWS = `query BulkUploadRows($id: ID!, $page: Int!, $pageSize: Int!, $onlyInvalid: Boolean!) {
  bulkUpload(id: $id) {
    ${UPLOAD_FIELDS} deletedSessionsToRestore
    rows(page: $page, pageSize: $pageSize, onlyInvalid: $onlyInvalid) { rowNumber action sessionId status message }
  }
}`;

const STATUS_LABELS = { PENDING: 'Waiting', RUNNING: 'Running', COMPLETED: 'Completed', FAILED: 'Failed' };
const ROW_STATUS_LABELS = { VALID: 'Valid', INVALID: 'Invalid' };

function finished(upload) {
  return upload.status === 'COMPLETED' || upload.status === 'FAILED';
}

export function uploadBadge(upload) {
  return h(
    'span',
    { class: `badge badge-job-${upload.status.toLowerCase()}` },
    STATUS_LABELS[upload.status] || upload.status,
  );
}

export function summaryText(upload) {
  if (upload.status === 'FAILED') return `The file was refused: ${upload.message || 'no reason was given.'}`;
  const valid = plural(upload.validRows, 'valid row');
  const invalid = plural(upload.invalidRows, 'invalid row');
  if (upload.dryRun) {
    return `Check only: ${valid} and ${invalid} of ${upload.totalRows}. Nothing was changed${upload.invalidRows ? '; fix the invalid rows and upload again' : ''}.`;
  }
  return `Done: ${valid} applied and ${invalid} not applied, of ${upload.totalRows}.${upload.invalidRows ? ' Fix the invalid rows and upload them again.' : ''}`;
}

function progressView(upload) {
  const total = upload.totalRows || 0;
  const progress = h('progress', {
    id: 'bulk-progress',
    max: String(Math.max(total, 1)),
    'aria-labelledby': 'bulk-progress-label',
  });
  if (upload.status === 'RUNNING' && total) progress.value = upload.processedRows;
  const label =
    upload.status === 'PENDING'
      ? `Waiting to start: ${plural(total, 'row')} to ${upload.dryRun ? 'check' : 'process'}…`
      : `${upload.processedRows} of ${plural(total, 'row')} ${upload.dryRun ? 'checked' : 'processed'}…`;
  return h('div', { class: 'bulk-progress' }, h('p', { id: 'bulk-progress-label' }, label), progress);
}

function jobHeading(upload) {
  return h(
    'div',
    { class: 'bulk-job-heading' },
    h('h3', { id: 'bulk-job-heading' }, upload.fileName || 'Upload'),
    uploadBadge(upload),
    upload.dryRun ? h('span', { class: 'badge badge-dry-run' }, 'Check only') : null,
    h('span', { class: 'muted small' }, `uploaded ${formatDateTime(upload.createdAt)} IST`),
  );
}

function summaryBox(upload) {
  const failed = upload.status === 'FAILED';
  return h(
    'div',
    {
      id: 'bulk-summary',
      class: failed ? 'error-box' : `bulk-summary ${upload.invalidRows ? 'has-invalid' : 'all-valid'}`,
    },
    h('p', {}, summaryText(upload)),
    failed
      ? null
      : h(
          'ul',
          { class: 'bulk-counts' },
          h('li', {}, h('strong', { id: 'bulk-valid-count' }, String(upload.validRows)), ' valid'),
          h('li', {}, h('strong', { id: 'bulk-invalid-count' }, String(upload.invalidRows)), ' invalid'),
          h('li', {}, h('strong', {}, String(upload.totalRows)), ' rows in the file'),
        ),
  );
}

function rowsTable(upload, rows, onlyInvalid) {
  if (!rows.length)
    return h('p', { class: 'empty' }, onlyInvalid ? 'No invalid rows: every row is valid.' : 'The file has no rows.');
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'data-table', id: 'bulk-rows' },
      h(
        'caption',
        { class: 'visually-hidden' },
        `Row results of ${upload.fileName}${onlyInvalid ? ', invalid rows only' : ''}`,
      ),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col', class: 'numeric' }, 'Row'),
          h('th', { scope: 'col' }, 'Action'),
          h('th', { scope: 'col' }, 'ID'),
          h('th', { scope: 'col' }, 'Status'),
          h('th', { scope: 'col' }, 'Message'),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((row) =>
          h(
            'tr',
            { 'data-row': row.rowNumber, class: row.status === 'INVALID' ? 'row-invalid' : false },
            h('th', { scope: 'row', class: 'numeric' }, String(row.rowNumber)),
            h('td', {}, row.action || '—'),
            h('td', {}, sessionLink(row, upload)),
            h(
              'td',
              {},
              h(
                'span',
                { class: `badge badge-row-${row.status.toLowerCase()}` },
                ROW_STATUS_LABELS[row.status] || row.status,
              ),
            ),
            h('td', { class: 'bulk-message' }, messageList(row.message)),
          ),
        ),
      ),
    ),
  );
}

function jobPanel() {
  return h('section', {
    id: 'bulk-job',
    class: 'card bulk-job',
    'aria-labelledby': 'bulk-job-heading',
    hidden: true,
    tabindex: '-1',
  });
}

function pagerButton(disabled, content, onclick) {
  return h('button', { type: 'button', class: 'button', disabled, onclick }, ...content);
}

/** "Show only invalid rows" and the result CSV's link. */
function resultsToolbar(onlyInvalid, resultCsvUrl) {
  return h(
    'div',
    { class: 'bulk-results-toolbar' },
    h('label', { class: 'check', for: 'bulk-only-invalid' }, onlyInvalid, ' Show only invalid rows'),
    resultCsvUrl
      ? h(
          'a',
          { href: resultCsvUrl, class: 'button', id: 'bulk-result-download', download: '' },
          icon('download'),
          'Download result CSV',
        )
      : null,
  );
}

function rowsPager(page, pages, previous, next) {
  return h(
    'nav',
    { class: 'pager', 'aria-label': 'Row result pages' },
    h('span', { class: 'range' }, `Page ${page} of ${pages}`),
    h('div', { class: 'pager-buttons' }, previous, next),
  );
}

/** After a page of rows came, the focus goes back to the pager button that was pressed (if still usable). */
function refocusPager(panel, text, fallback) {
  const again = [...panel.querySelectorAll('.pager button')].find((b) => b.textContent === text && !b.disabled);
  (again || fallback).focus();
}

function startedText(upload) {
  return `${upload.fileName}: ${upload.dryRun ? 'checking' : 'processing'} ${plural(upload.totalRows, 'row')}…`;
}

/**
 * Follow `upload` until it finishes, drawing its progress as the server tells it over the live connection
 * (the bulkUploadProgress subscription); the finished upload, or null if stopped (`signal`) or failed
 * (then an error with `retry`).
 */
async function followProgress(upload, signal, { draw, retry }) {
  if (finished(upload)) return upload;
  draw(upload, [progressView(upload)]);
  try {
    const last = await followBulkUpload(upload.id, UPLOAD_FIELDS, signal, (progress) => {
      if (!finished(progress)) draw(progress, [progressView(progress)]);
    });
    return last && !signal.aborted ? last : null;
  } catch (error) {
    if (signal.aborted) return null;
    draw(upload, [errorMessage('The progress of this upload could not be followed.', error, retry)]);
    return null;
  }
}

/**
 * The panel of the upload shown now. `signal` ends everything when the tab is left; `announcer` is the
 * tab's live region; `onStatusChanged()` is called when an upload followed here changed its status
 * (the history shows it). Returns { panel, show(upload) }.
 */
export function createJobView({ signal, announcer, onStatusChanged, lastFile = () => null, applyFile = null }) {
  let job = null; // { id, controller } of the upload shown now
  let rowsPage = 1;

  const panel = jobPanel();
  const onlyInvalid = h('input', { type: 'checkbox', id: 'bulk-only-invalid', onchange: () => firstPage() });

  function firstPage() {
    rowsPage = 1;
    loadRows();
  }

  function draw(upload, extra = []) {
    panel.hidden = false;
    fill(panel, jobHeading(upload), ...extra);
  }

  function drawResults(upload, rows) {
    if (upload.status === 'FAILED') {
      draw(upload, [summaryBox(upload)]);
      return;
    }
    const shownTotal = onlyInvalid.checked ? upload.invalidRows : upload.totalRows;
    const pages = Math.max(1, Math.ceil(shownTotal / ROWS_PAGE_SIZE));
    const from = shownTotal ? (rowsPage - 1) * ROWS_PAGE_SIZE + 1 : 0;
    const to = shownTotal ? from + rows.length - 1 : 0;
    const previous = pagerButton(rowsPage <= 1, [icon('previous'), 'Previous'], () => {
      rowsPage -= 1;
      loadRows(previous);
    });
    const next = pagerButton(rowsPage >= pages, ['Next', icon('next')], () => {
      rowsPage += 1;
      loadRows(next);
    });
    draw(upload, [
      summaryBox(upload),
      applyFile ? applyButton(upload, lastFile(), applyFile) : null,
      restoreOffer(upload),
      resultsToolbar(onlyInvalid, upload.resultCsvUrl),
      h('p', { class: 'small muted', id: 'bulk-rows-range' }, shownTotal ? `Rows ${from}–${to} of ${shownTotal}` : ''),
      rowsTable(upload, rows, onlyInvalid.checked),
      pages > 1 ? rowsPager(rowsPage, pages, previous, next) : null,
    ]);
  }

  async function loadRows(focusAfter = null) {
    if (!job) return;
    const { id, controller: jobController } = job;
    const focusText = focusAfter ? focusAfter.textContent : null;
    try {
      const variables = { id, page: rowsPage, pageSize: ROWS_PAGE_SIZE, onlyInvalid: onlyInvalid.checked };
      const { bulkUpload } = await graphql(ROWS, variables, { signal: jobController.signal });
      if (jobController.signal.aborted || !bulkUpload) return;
      drawResults(bulkUpload, bulkUpload.rows);
      if (focusText) refocusPager(panel, focusText, onlyInvalid);
    } catch (error) {
      if (jobController.signal.aborted) return;
      panel.hidden = false;
      fill(
        panel,
        errorMessage('The row results could not be loaded.', error, () => loadRows()),
      );
    }
  }

  /** Show `upload`: follow its progress until it finishes, then its summary and rows. */
  async function show(upload) {
    if (job) job.controller.abort();
    const jobController = new AbortController();
    signal.addEventListener('abort', () => jobController.abort(), { once: true });
    job = { id: upload.id, controller: jobController };
    rowsPage = 1;
    onlyInvalid.checked = false;
    if (!finished(upload)) fill(announcer, startedText(upload));
    const current = await followProgress(upload, jobController.signal, { draw, retry: () => show(upload) });
    if (!current) return;
    fill(announcer, summaryText(current));
    if (!current.dryRun && current.status === 'COMPLETED' && current.validRows) {
      document.dispatchEvent(new CustomEvent(SESSIONS_CHANGED_EVENT));
    }
    if (current.status === 'FAILED') drawResults(current, []);
    else await loadRows();
    if (upload.status !== current.status) onStatusChanged();
  }

  return { panel, show };
}
