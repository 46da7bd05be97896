// The Bulk upload tab of Manage sessions: the sample CSV, Upload CSV (file picker or drop zone) with
// "Check only" (a dry run), the job's progress, its summary and row results with the result CSV, and
// the history of earlier uploads.
//
// Its parts: bulk-upload-picker.js (choosing the file), bulk-upload-job.js (the upload shown now),
// bulk-upload-history.js (earlier uploads); this module sends the file and lays out the tab.

import { graphql, graphqlUpload } from '../common/graphql.js';
import { fill, h } from '../common/dom.js';
import { icon } from '../common/icons.js';
import { registerTabContent } from '../workspace/manage-sessions.js';
import { createFilePicker } from './bulk-upload-picker.js';
import { createHistory } from './bulk-upload-history.js';
import { createJobView, UPLOAD_FIELDS } from './bulk-upload-job.js';
import { sendingBar } from './bulk-upload-extras.js';

const UPLOAD = `mutation BulkUploadSessions($file: Upload!, $dryRun: Boolean!) {
  bulkUploadSessions(file: $file, dryRun: $dryRun) { bulkUpload { ${UPLOAD_FIELDS} } errors { field code message } }
}`;

function steps(picker, dryRun) {
  return h(
    'div',
    { class: 'bulk-steps' },
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'bulk-step-file' },
      h('h3', { id: 'bulk-step-file' }, '1. Prepare the CSV file'),
      h(
        'p',
        {},
        h(
          'a',
          { href: '/bulk-upload/sample.csv', class: 'button', id: 'bulk-sample', download: '' },
          icon('download'),
          'Download sample CSV',
        ),
      ),
      h(
        'p',
        { class: 'small' },
        'The sample shows a Create, an Edit and a Delete row: clear its rows and enter your own. ' +
          'To change sessions you already have, use “Export for bulk edit” on the Session list; its rows are ready as Edit rows.',
      ),
      h(
        'p',
        { class: 'small muted' },
        'Date as DD-MM-YYYY, time as HH:MM (24 hours) in the row’s time zone, IST or UTC; lists separated by commas inside one cell.',
      ),
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'bulk-step-upload' },
      h('h3', { id: 'bulk-step-upload' }, '2. Upload it'),
      h('label', { class: 'check', for: 'bulk-dry-run' }, dryRun, ' Check only'),
      h(
        'p',
        { id: 'bulk-dry-run-hint', class: 'hint' },
        'Check every row and report what would happen, without changing any session or emailing anyone.',
      ),
      picker.dropZone,
      picker.fileError,
    ),
  );
}

const ONE_UPLOAD = `query BulkUpload($id: ID!) { bulkUpload(id: $id) { ${UPLOAD_FIELDS} } }`;

function showLinkedUpload(linked, { signal, job, picker }) {
  graphql(ONE_UPLOAD, { id: linked }, { signal }).then(
    ({ bulkUpload }) => {
      if (bulkUpload) {
        job.show(bulkUpload);
        job.panel.hidden = false;
        job.panel.focus();
      } else {
        picker.showError(`Upload ${linked} is not one of your uploads; choose it from the history below.`);
      }
    },
    () => {},
  );
}

function renderBulkUpload(section, ctx) {
  const controller = new AbortController();
  const { signal } = controller;
  const announcer = h('p', { class: 'visually-hidden', role: 'status', id: 'bulk-announcer' });
  const dryRun = h('input', { id: 'bulk-dry-run', type: 'checkbox', 'aria-describedby': 'bulk-dry-run-hint' });
  let lastFile = null; // the file sent from this tab, for "Apply this file" after a clean check
  const job = createJobView({
    signal,
    announcer,
    onStatusChanged: () => history.load(),
    lastFile: () => lastFile,
    applyFile: (file) => send(file, { apply: true }),
  });
  const history = createHistory({
    signal,
    onShow: (upload) => {
      job.show(upload);
      job.panel.hidden = false;
      job.panel.focus();
    },
    // A first upload starts on "Check only": until someone has uploaded once, a file is checked, not applied.
    onLoaded: ({ totalCount }) => {
      if (totalCount === 0 && !dryRun.dataset.touched) dryRun.checked = true;
    },
  });
  const picker = createFilePicker(section, send);

  async function send(file, { apply = false } = {}) {
    picker.sending(true);
    fill(announcer, `Uploading ${file.name}…`);
    lastFile = file;
    const bar = sendingBar(file.name);
    job.panel.before(bar.element);
    try {
      const { bulkUploadSessions } = await graphqlUpload(
        UPLOAD,
        { dryRun: apply ? false : dryRun.checked },
        { file },
        {
          onProgress: (loaded, total) => bar.update(loaded, total),
        },
      );
      const { bulkUpload, errors } = bulkUploadSessions;
      // A file refused as a whole comes back as a FAILED upload whose summary says why; other
      // refusals (not a manager) have no upload to show and are told beside the button.
      if (bulkUpload) job.show(bulkUpload);
      else if (errors.length) {
        picker.showError(errors.map((e) => e.message).join(' '));
        fill(announcer, '');
      }
      history.load();
    } catch (error) {
      picker.showError(`The file was not uploaded: ${error.message}`);
      fill(announcer, '');
    } finally {
      bar.element.remove();
      picker.sending(false);
    }
  }

  fill(
    section,
    h('h2', {}, 'Bulk upload'),
    h(
      'p',
      { class: 'lead' },
      'Create, edit or delete many sessions at once from one CSV file. Each row is checked by the same rules as the forms; valid rows are applied, invalid rows are reported and change nothing.',
    ),
    steps(picker, dryRun),
    announcer,
    job.panel,
    history.section,
  );

  history.load();
  dryRun.addEventListener('change', () => (dryRun.dataset.touched = 'true'));
  // The result mail links to ?tab=bulk&upload=<id>: that upload is shown with its row results.
  const linked = ctx?.query?.get('upload');
  if (linked && /^\d+$/.test(linked)) showLinkedUpload(linked, { signal, job, picker });

  return {
    leave() {
      controller.abort();
    },
  };
}

registerTabContent('bulk', renderBulkUpload);
