// The Bulk upload tab of Manage sessions: the sample CSV, Upload CSV (file picker or drop zone) with
// "Check only" (a dry run), the job's progress, its summary and row results with the result CSV, and
// the history of earlier uploads.

import { graphql, graphqlUpload } from './graphql.js';
import { errorMessage, fill, h, hidden } from './dom.js';
import { formatDateTime, plural } from './format.js';
import { registerTabContent, SESSIONS_CHANGED_EVENT } from './manage-sessions.js';
import { followBulkUpload } from './live.js';

const ROWS_PAGE_SIZE = 50;
const HISTORY_PAGE_SIZE = 10;

const UPLOAD_FIELDS = `id status fileName dryRun totalRows processedRows validRows invalidRows resultCsvUrl message createdAt finishedAt`;

const UPLOAD = `mutation BulkUploadSessions($file: Upload!, $dryRun: Boolean!) {
  bulkUploadSessions(file: $file, dryRun: $dryRun) { bulkUpload { ${UPLOAD_FIELDS} } errors { field code message } }
}`;
const ROWS = `query BulkUploadRows($id: ID!, $page: Int!, $pageSize: Int!, $onlyInvalid: Boolean!) {
  bulkUpload(id: $id) {
    ${UPLOAD_FIELDS}
    rows(page: $page, pageSize: $pageSize, onlyInvalid: $onlyInvalid) { rowNumber action sessionId status message }
  }
}`;
const HISTORY = `query BulkUploadHistory($page: Int!, $pageSize: Int!) {
  bulkUploads(page: $page, pageSize: $pageSize) { totalCount page pageSize totalPages hasNextPage hasPreviousPage items { ${UPLOAD_FIELDS} } }
}`;

const STATUS_LABELS = { PENDING: 'Waiting', RUNNING: 'Running', COMPLETED: 'Completed', FAILED: 'Failed' };
const ROW_STATUS_LABELS = { VALID: 'Valid', INVALID: 'Invalid' };

function finished(upload) {
  return upload.status === 'COMPLETED' || upload.status === 'FAILED';
}

function uploadBadge(upload) {
  return h('span', { class: `badge badge-job-${upload.status.toLowerCase()}` }, STATUS_LABELS[upload.status] || upload.status);
}

function summaryText(upload) {
  if (upload.status === 'FAILED') return `The file was refused: ${upload.message || 'no reason was given.'}`;
  const valid = plural(upload.validRows, 'valid row');
  const invalid = plural(upload.invalidRows, 'invalid row');
  if (upload.dryRun) {
    return `Check only: ${valid} and ${invalid} of ${upload.totalRows}. Nothing was changed${upload.invalidRows ? '; fix the invalid rows and upload again' : ''}.`;
  }
  return `Done: ${valid} applied and ${invalid} not applied, of ${upload.totalRows}.${upload.invalidRows ? ' Fix the invalid rows and upload them again.' : ''}`;
}

function sessionLink(row) {
  if (!row.sessionId) return '—';
  // A deleted session has no details page left to show.
  if (row.action.toLowerCase() === 'delete' && row.status === 'VALID') return row.sessionId;
  return h('a', { href: `/sessions/${row.sessionId}` }, row.sessionId, hidden(': session details'));
}

function renderBulkUpload(section) {
  let controller = new AbortController();
  let job = null; // { id, controller } of the upload shown now
  let rowsPage = 1;
  let historyPage = 1;
  let sending = false;

  // --- choosing and sending the file ----------------------------------------------------------
  const fileInput = h('input', {
    id: 'bulk-file', type: 'file', accept: '.csv,text/csv', class: 'visually-hidden', tabindex: '-1', 'aria-hidden': 'true',
  });
  const dryRun = h('input', { id: 'bulk-dry-run', type: 'checkbox', 'aria-describedby': 'bulk-dry-run-hint' });
  const uploadButton = h('button', {
    type: 'button', class: 'button button-primary', id: 'bulk-upload-button', 'aria-describedby': 'bulk-drop-hint bulk-file-error',
    onclick: () => {
      if (sending) return;
      fileInput.value = '';
      fileInput.click();
    },
  }, h('span', { 'aria-hidden': 'true' }, '⤒ '), 'Upload CSV');
  const fileError = h('p', { id: 'bulk-file-error', class: 'field-error', role: 'alert', hidden: true });
  const dropZone = h('div', { class: 'drop-zone', id: 'bulk-drop-zone' },
    uploadButton,
    h('p', { id: 'bulk-drop-hint', class: 'hint' }, 'Choose a CSV file, or drop it here. UTF-8, comma or semicolon separated, up to 10,000 rows and 5 MB.'),
    fileInput);

  function showFileError(message) {
    if (message) {
      fill(fileError, h('span', { class: 'visually-hidden' }, 'Error: '), message);
      fileError.hidden = false;
    } else {
      fileError.replaceChildren();
      fileError.hidden = true;
    }
  }

  async function send(file) {
    if (sending) return;
    showFileError(null);
    if (!/\.csv$/i.test(file.name) && file.type !== 'text/csv') {
      showFileError(`“${file.name}” is not a CSV file. Save the sheet as CSV (comma separated) and upload that file.`);
      return;
    }
    // aria-disabled rather than disabled: the button keeps the keyboard focus while the file goes up.
    sending = true;
    uploadButton.setAttribute('aria-disabled', 'true');
    fill(announcer, `Uploading ${file.name}…`);
    try {
      const { bulkUploadSessions } = await graphqlUpload(UPLOAD, { dryRun: dryRun.checked }, { file });
      const { bulkUpload, errors } = bulkUploadSessions;
      // A file refused as a whole comes back as a FAILED upload whose summary says why; other
      // refusals (not a manager) have no upload to show and are told beside the button.
      if (bulkUpload) show(bulkUpload);
      else if (errors.length) {
        showFileError(errors.map((e) => e.message).join(' '));
        fill(announcer, '');
      }
      loadHistory();
    } catch (error) {
      showFileError(`The file was not uploaded: ${error.message}`);
      fill(announcer, '');
    } finally {
      sending = false;
      uploadButton.removeAttribute('aria-disabled');
    }
  }

  fileInput.addEventListener('change', () => {
    const file = fileInput.files && fileInput.files[0];
    if (file) send(file);
  });
  for (const name of ['dragenter', 'dragover']) {
    dropZone.addEventListener(name, (event) => {
      event.preventDefault();
      dropZone.classList.add('is-dragging');
    });
  }
  dropZone.addEventListener('dragleave', (event) => {
    if (!dropZone.contains(event.relatedTarget)) dropZone.classList.remove('is-dragging');
  });
  // A file dropped next to the zone must not make the browser leave the app to open it.
  for (const name of ['dragover', 'drop']) section.addEventListener(name, (event) => event.preventDefault());
  dropZone.addEventListener('drop', (event) => {
    event.preventDefault();
    dropZone.classList.remove('is-dragging');
    const files = event.dataTransfer && event.dataTransfer.files;
    if (!files || !files.length) return;
    if (files.length > 1) {
      showFileError('Drop one CSV file at a time.');
      return;
    }
    send(files[0]);
  });

  // --- the upload shown now: progress, summary, row results -----------------------------------
  const announcer = h('p', { class: 'visually-hidden', role: 'status', id: 'bulk-announcer' });
  const jobPanel = h('section', { id: 'bulk-job', class: 'card bulk-job', 'aria-labelledby': 'bulk-job-heading', hidden: true });
  const onlyInvalid = h('input', { type: 'checkbox', id: 'bulk-only-invalid', onchange: () => { rowsPage = 1; loadRows(); } });

  function progressView(upload) {
    const total = upload.totalRows || 0;
    const progress = h('progress', {
      id: 'bulk-progress', max: String(Math.max(total, 1)), 'aria-labelledby': 'bulk-progress-label',
    });
    if (upload.status === 'RUNNING' && total) progress.value = upload.processedRows;
    const label = upload.status === 'PENDING'
      ? `Waiting to start: ${plural(total, 'row')} to ${upload.dryRun ? 'check' : 'process'}…`
      : `${upload.processedRows} of ${plural(total, 'row')} ${upload.dryRun ? 'checked' : 'processed'}…`;
    return h('div', { class: 'bulk-progress' }, h('p', { id: 'bulk-progress-label' }, label), progress);
  }

  function jobHeading(upload) {
    return h('div', { class: 'bulk-job-heading' },
      h('h3', { id: 'bulk-job-heading' }, upload.fileName || 'Upload'),
      uploadBadge(upload),
      upload.dryRun ? h('span', { class: 'badge badge-dry-run' }, 'Check only') : null,
      h('span', { class: 'muted small' }, `uploaded ${formatDateTime(upload.createdAt)} IST`));
  }

  function drawJob(upload, extra = []) {
    jobPanel.hidden = false;
    fill(jobPanel, jobHeading(upload), ...extra);
  }

  function drawResults(upload, rows) {
    const failed = upload.status === 'FAILED';
    const summary = h('div', {
      id: 'bulk-summary', class: failed ? 'error-box' : `bulk-summary ${upload.invalidRows ? 'has-invalid' : 'all-valid'}`,
    },
    h('p', {}, summaryText(upload)),
    failed ? null : h('ul', { class: 'bulk-counts' },
      h('li', {}, h('strong', { id: 'bulk-valid-count' }, String(upload.validRows)), ' valid'),
      h('li', {}, h('strong', { id: 'bulk-invalid-count' }, String(upload.invalidRows)), ' invalid'),
      h('li', {}, h('strong', {}, String(upload.totalRows)), ' rows in the file')));
    if (failed) {
      drawJob(upload, [summary]);
      return;
    }
    const shownTotal = onlyInvalid.checked ? upload.invalidRows : upload.totalRows;
    const pages = Math.max(1, Math.ceil(shownTotal / ROWS_PAGE_SIZE));
    const from = shownTotal ? (rowsPage - 1) * ROWS_PAGE_SIZE + 1 : 0;
    const to = shownTotal ? from + rows.length - 1 : 0;
    const table = rows.length
      ? h('div', { class: 'table-wrap' },
        h('table', { class: 'data-table', id: 'bulk-rows' },
          h('caption', { class: 'visually-hidden' }, `Row results of ${upload.fileName}${onlyInvalid.checked ? ', invalid rows only' : ''}`),
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col', class: 'numeric' }, 'Row'),
            h('th', { scope: 'col' }, 'Action'),
            h('th', { scope: 'col' }, 'ID'),
            h('th', { scope: 'col' }, 'Status'),
            h('th', { scope: 'col' }, 'Message'))),
          h('tbody', {}, rows.map((row) => h('tr', { 'data-row': row.rowNumber, class: row.status === 'INVALID' ? 'row-invalid' : false },
            h('th', { scope: 'row', class: 'numeric' }, String(row.rowNumber)),
            h('td', {}, row.action || '—'),
            h('td', {}, sessionLink(row)),
            h('td', {}, h('span', { class: `badge badge-row-${row.status.toLowerCase()}` }, ROW_STATUS_LABELS[row.status] || row.status)),
            h('td', { class: 'bulk-message' }, row.message || '—'))))))
      : h('p', { class: 'empty' }, onlyInvalid.checked ? 'No invalid rows: every row is valid.' : 'The file has no rows.');
    const previous = h('button', { type: 'button', class: 'button', disabled: rowsPage <= 1, onclick: () => { rowsPage -= 1; loadRows(previous); } }, '‹ Previous');
    const next = h('button', { type: 'button', class: 'button', disabled: rowsPage >= pages, onclick: () => { rowsPage += 1; loadRows(next); } }, 'Next ›');
    drawJob(upload, [
      summary,
      h('div', { class: 'bulk-results-toolbar' },
        h('label', { class: 'check', for: 'bulk-only-invalid' }, onlyInvalid, ' Show only invalid rows'),
        upload.resultCsvUrl
          ? h('a', { href: upload.resultCsvUrl, class: 'button', id: 'bulk-result-download', download: '' },
            h('span', { 'aria-hidden': 'true' }, '⤓ '), 'Download result CSV')
          : null),
      h('p', { class: 'small muted', id: 'bulk-rows-range' }, shownTotal ? `Rows ${from}–${to} of ${shownTotal}` : ''),
      table,
      pages > 1 ? h('nav', { class: 'pager', 'aria-label': 'Row result pages' },
        h('span', { class: 'range' }, `Page ${rowsPage} of ${pages}`),
        h('div', { class: 'pager-buttons' }, previous, next)) : null,
    ]);
  }

  async function loadRows(focusAfter = null) {
    if (!job) return;
    const { id, controller: jobController } = job;
    const focusText = focusAfter ? focusAfter.textContent : null;
    try {
      const { bulkUpload } = await graphql(ROWS, {
        id, page: rowsPage, pageSize: ROWS_PAGE_SIZE, onlyInvalid: onlyInvalid.checked,
      }, { signal: jobController.signal });
      if (jobController.signal.aborted || !bulkUpload) return;
      drawResults(bulkUpload, bulkUpload.rows);
      if (focusText) {
        const again = [...jobPanel.querySelectorAll('.pager button')].find((b) => b.textContent === focusText && !b.disabled);
        (again || onlyInvalid).focus();
      }
    } catch (error) {
      if (jobController.signal.aborted) return;
      jobPanel.hidden = false;
      fill(jobPanel, errorMessage('The row results could not be loaded.', error, () => loadRows()));
    }
  }

  /** Show `upload`: follow its progress until it finishes, then its summary and rows. */
  async function show(upload) {
    if (job) job.controller.abort();
    const jobController = new AbortController();
    controller.signal.addEventListener('abort', () => jobController.abort(), { once: true });
    job = { id: upload.id, controller: jobController };
    rowsPage = 1;
    onlyInvalid.checked = false;
    let current = upload;
    if (!finished(current)) {
      fill(announcer, `${current.fileName}: ${current.dryRun ? 'checking' : 'processing'} ${plural(current.totalRows, 'row')}…`);
    }
    if (!finished(current)) {
      // The server tells its progress over the live connection (bulkUploadProgress) until it finishes.
      drawJob(current, [progressView(current)]);
      try {
        const last = await followBulkUpload(current.id, UPLOAD_FIELDS, jobController.signal, (progress) => {
          if (!finished(progress)) drawJob(progress, [progressView(progress)]);
        });
        if (!last || jobController.signal.aborted) return;
        current = last;
      } catch (error) {
        if (jobController.signal.aborted) return;
        drawJob(current, [errorMessage('The progress of this upload could not be followed.', error, () => show(current))]);
        return;
      }
    }
    fill(announcer, summaryText(current));
    if (!current.dryRun && current.status === 'COMPLETED' && current.validRows) {
      document.dispatchEvent(new CustomEvent(SESSIONS_CHANGED_EVENT));
    }
    if (current.status === 'FAILED') drawResults(current, []);
    else await loadRows();
    if (upload.status !== current.status) loadHistory();
  }

  // --- history --------------------------------------------------------------------------------
  const historyBody = h('div', { id: 'bulk-history-body' });
  const historySection = h('section', { class: 'card', id: 'bulk-history', 'aria-labelledby': 'bulk-history-heading' },
    h('h3', { id: 'bulk-history-heading' }, 'Earlier uploads'),
    historyBody);

  function historyTable(page) {
    const previous = h('button', { type: 'button', class: 'button', disabled: !page.hasPreviousPage, onclick: () => { historyPage -= 1; loadHistory(); } }, '‹ Previous');
    const next = h('button', { type: 'button', class: 'button', disabled: !page.hasNextPage, onclick: () => { historyPage += 1; loadHistory(); } }, 'Next ›');
    return [
      h('div', { class: 'table-wrap' },
        h('table', { class: 'data-table', id: 'bulk-history-table' },
          h('caption', { class: 'visually-hidden' }, 'Your earlier bulk uploads, newest first'),
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col' }, 'File'),
            h('th', { scope: 'col' }, 'Uploaded (IST)'),
            h('th', { scope: 'col' }, 'Kind'),
            h('th', { scope: 'col' }, 'Status'),
            h('th', { scope: 'col', class: 'numeric' }, 'Rows'),
            h('th', { scope: 'col', class: 'numeric' }, 'Valid'),
            h('th', { scope: 'col', class: 'numeric' }, 'Invalid'),
            h('th', { scope: 'col' }, 'Result'))),
          h('tbody', {}, page.items.map((upload) => h('tr', { 'data-upload-id': upload.id },
            h('th', { scope: 'row' }, upload.fileName),
            h('td', { class: 'nowrap' }, formatDateTime(upload.createdAt)),
            h('td', { class: 'nowrap' }, upload.dryRun ? 'Check only' : 'Upload'),
            h('td', {}, uploadBadge(upload)),
            h('td', { class: 'numeric' }, String(upload.totalRows)),
            h('td', { class: 'numeric' }, String(upload.validRows)),
            h('td', { class: 'numeric' }, String(upload.invalidRows)),
            h('td', { class: 'history-actions' },
              h('button', { type: 'button', class: 'button-link', onclick: () => { show(upload); jobPanel.hidden = false; jobPanel.focus(); } },
                upload.status === 'FAILED' ? 'Why' : 'Show rows', hidden(` of ${upload.fileName}`)),
              upload.resultCsvUrl
                ? h('a', { href: upload.resultCsvUrl, download: '' }, 'Result CSV', hidden(` of ${upload.fileName}`))
                : upload.status === 'FAILED' ? h('span', { class: 'muted small history-message' }, upload.message || '') : null)))))),
      page.totalPages > 1 ? h('nav', { class: 'pager', 'aria-label': 'Earlier upload pages' },
        h('span', { class: 'range' }, `Page ${page.page} of ${page.totalPages}`),
        h('div', { class: 'pager-buttons' }, previous, next)) : null,
    ];
  }

  async function loadHistory() {
    try {
      const { bulkUploads } = await graphql(HISTORY, { page: historyPage, pageSize: HISTORY_PAGE_SIZE }, { signal: controller.signal });
      if (!bulkUploads.items.length && historyPage > 1) {
        historyPage = bulkUploads.totalPages;
        loadHistory();
        return;
      }
      fill(historyBody, bulkUploads.items.length
        ? historyTable(bulkUploads)
        : h('p', { class: 'muted' }, 'No uploads yet. Your uploads and their result files will be listed here.'));
    } catch (error) {
      if (controller.signal.aborted) return;
      fill(historyBody, errorMessage('The earlier uploads could not be loaded.', error, loadHistory));
    }
  }

  // --- the tab --------------------------------------------------------------------------------
  jobPanel.setAttribute('tabindex', '-1');
  fill(section,
    h('h2', {}, 'Bulk upload'),
    h('p', { class: 'lead' }, 'Create, edit or delete many sessions at once from one CSV file. Each row is checked by the same rules as the forms; valid rows are applied, invalid rows are reported and change nothing.'),
    h('div', { class: 'bulk-steps' },
      h('section', { class: 'card', 'aria-labelledby': 'bulk-step-file' },
        h('h3', { id: 'bulk-step-file' }, '1. Prepare the CSV file'),
        h('p', {}, h('a', { href: '/bulk-upload/sample.csv', class: 'button', id: 'bulk-sample', download: '' },
          h('span', { 'aria-hidden': 'true' }, '⤓ '), 'Download sample CSV')),
        h('p', { class: 'small' }, 'The sample shows a Create, an Edit and a Delete row: clear its rows and enter your own. '
          + 'To change sessions you already have, use “Export for bulk edit” on the Session list; its rows are ready as Edit rows.'),
        h('p', { class: 'small muted' }, 'Date as DD-MM-YYYY, time as HH:MM (24 hours) in the row’s time zone, IST or UTC; lists separated by commas inside one cell.')),
      h('section', { class: 'card', 'aria-labelledby': 'bulk-step-upload' },
        h('h3', { id: 'bulk-step-upload' }, '2. Upload it'),
        h('label', { class: 'check', for: 'bulk-dry-run' }, dryRun, ' Check only'),
        h('p', { id: 'bulk-dry-run-hint', class: 'hint' }, 'Check every row and report what would happen, without changing any session or emailing anyone.'),
        dropZone,
        fileError)),
    announcer,
    jobPanel,
    historySection);

  loadHistory();

  return {
    leave() {
      controller.abort();
    },
  };
}

registerTabContent('bulk', renderBulkUpload);
