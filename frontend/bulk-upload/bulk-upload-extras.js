// Parts of the Bulk upload tab that stand on their own: the bar of the file being sent, a row's
// message as a list of its problems, the link of a result row, and "Apply this file".

import { h, hidden } from '../common/dom.js';

// The column names a row's problems start with ("Title: …; Medium: …"), longest first.
const LABELS = [
  'Recommended For',
  'Meeting Platform',
  'Meeting Passcode',
  'Meeting Link',
  'Description',
  'Categories',
  'Time Zone',
  'Date/Time',
  'Duration',
  'Mentees',
  'Action',
  'Mentor',
  'Medium',
  'Title',
  'Type',
  'Date',
  'Time',
  'ID',
];
const PROBLEM_SPLIT = new RegExp(`; (?=(?:${LABELS.map((l) => l.replace('/', '\\/')).join('|')}): )`);

/** A row's Status Message as a list of its problems (one item when it has one). */
export function messageList(message) {
  if (!message) return '—';
  const problems = message.split(PROBLEM_SPLIT);
  if (problems.length === 1) return message;
  return h(
    'ul',
    { class: 'row-problems' },
    problems.map((problem) => h('li', {}, problem)),
  );
}

/** The session of a result row, linked only when it exists: valid rows that did not delete it. */
export function sessionLink(row, upload) {
  if (!row.sessionId) return '—';
  const exists =
    row.status === 'VALID' &&
    row.action.toLowerCase() !== 'delete' &&
    !(upload.dryRun && row.action.toLowerCase() === 'create');
  if (!exists) return row.sessionId;
  return h('a', { href: `/sessions/${row.sessionId}` }, row.sessionId, hidden(': session details'));
}

/** The bar shown while the file itself goes up: { element, update(loaded, total), done() }. */
export function sendingBar(fileName) {
  const label = h('p', { id: 'bulk-send-label' }, `Sending ${fileName}…`);
  const bar = h('progress', { id: 'bulk-send-progress', max: '100', value: '0', 'aria-labelledby': 'bulk-send-label' });
  const element = h('div', { class: 'bulk-progress', id: 'bulk-sending' }, label, bar);
  const size = (bytes) =>
    bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return {
    element,
    update(loaded, total) {
      const percent = total ? Math.round((loaded / total) * 100) : 0;
      bar.value = percent;
      label.textContent = `Sending ${fileName}: ${percent}% (${size(loaded)} of ${size(total)})`;
    },
  };
}

/** "Apply this file": after a clean check of the file chosen on this page, apply it without choosing it again. */
export function applyButton(upload, file, apply) {
  const clean = upload.dryRun && upload.status === 'COMPLETED' && upload.invalidRows === 0 && upload.totalRows > 0;
  if (!clean || !file || file.name !== upload.fileName) return null;
  return h(
    'div',
    { class: 'bulk-apply' },
    h('p', {}, 'Every row is valid. Apply the same file now to make these changes.'),
    h(
      'button',
      { type: 'button', class: 'button button-primary', id: 'bulk-apply', onclick: () => apply(file) },
      'Apply this file',
    ),
  );
}
