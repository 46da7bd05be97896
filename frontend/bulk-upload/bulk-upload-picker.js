// Choosing the CSV file of a bulk upload: the Upload CSV button (a hidden file input) and the drop zone
// around it, with the message beside them when the file cannot be sent.

import { fill, h } from '../common/dom.js';
import { icon } from '../common/icons.js';

function uploadButton(onclick) {
  return h(
    'button',
    {
      type: 'button',
      class: 'button button-primary',
      id: 'bulk-upload-button',
      'aria-describedby': 'bulk-drop-hint bulk-file-error',
      onclick,
    },
    icon('upload'),
    'Upload CSV',
  );
}

function showFileError(fileError, message) {
  if (message) {
    fill(fileError, h('span', { class: 'visually-hidden' }, 'Error: '), message);
    fileError.hidden = false;
  } else {
    fileError.replaceChildren();
    fileError.hidden = true;
  }
}

/** Files dropped on `dropZone` go to `onFiles(files)`; the zone shows when a file is dragged over it. */
function acceptDrops(section, dropZone, onFiles) {
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
    onFiles(files);
  });
}

/**
 * `section` is the tab (a file dropped anywhere in it must not open in the browser); `onFile(file)` is
 * called with a chosen or dropped CSV file unless a file is being sent. Returns the elements to place,
 * `showError(message | null)` and `sending(bool)`, which keeps other files out while one goes up.
 */
export function createFilePicker(section, onFile) {
  let busy = false;
  const fileInput = h('input', {
    id: 'bulk-file',
    type: 'file',
    accept: '.csv,text/csv',
    class: 'visually-hidden',
    tabindex: '-1',
    'aria-hidden': 'true',
  });
  const button = uploadButton(() => {
    if (busy) return;
    fileInput.value = '';
    fileInput.click();
  });
  const fileError = h('p', { id: 'bulk-file-error', class: 'field-error', role: 'alert', hidden: true });
  const dropZone = h(
    'div',
    { class: 'drop-zone', id: 'bulk-drop-zone' },
    button,
    h(
      'p',
      { id: 'bulk-drop-hint', class: 'hint' },
      'Choose a CSV file, or drop it here. UTF-8, comma or semicolon separated, up to 10,000 rows and 5 MB.',
    ),
    fileInput,
  );

  const showError = (message) => showFileError(fileError, message);

  function choose(file) {
    if (busy) return;
    showError(null);
    if (!/\.csv$/i.test(file.name) && file.type !== 'text/csv') {
      showError(`“${file.name}” is not a CSV file. Save the sheet as CSV (comma separated) and upload that file.`);
      return;
    }
    onFile(file);
  }

  fileInput.addEventListener('change', () => {
    const file = fileInput.files && fileInput.files[0];
    if (file) choose(file);
  });
  acceptDrops(section, dropZone, (files) => {
    if (files.length > 1) {
      showError('Drop one CSV file at a time.');
      return;
    }
    choose(files[0]);
  });

  return {
    dropZone,
    fileError,
    showError,
    sending(value) {
      // aria-disabled rather than disabled: the button keeps the keyboard focus while the file goes up.
      busy = value;
      if (value) button.setAttribute('aria-disabled', 'true');
      else button.removeAttribute('aria-disabled');
    },
  };
}
