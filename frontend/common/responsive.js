// Tables on phones: below 640 px every `.data-table` is shown as a stack of cards (styles.css), each
// value with its column's name before it. This labels the cells of every data table as it appears,
// from its header row, so no screen has to do it itself.

const LABELLED = 'data-labelled';

function headerLabels(table) {
  return [...table.querySelectorAll('thead th')].map((th) => {
    const copy = th.cloneNode(true);
    for (const quiet of copy.querySelectorAll('.visually-hidden, .sort-mark')) quiet.remove();
    return copy.textContent.trim();
  });
}

/** Give each body cell of `table` a data-label: the visible name of its column ('' when it has none). */
export function labelCells(table) {
  const labels = headerLabels(table);
  for (const row of table.querySelectorAll('tbody tr')) {
    [...row.children].forEach((cell, index) => {
      if (labels[index]) cell.setAttribute('data-label', labels[index]);
    });
  }
  table.setAttribute(LABELLED, '');
}

function labelWithin(node) {
  if (!(node instanceof Element)) return;
  const tables = node.matches('table.data-table') ? [node] : node.querySelectorAll('table.data-table');
  for (const table of tables) labelCells(table);
  const inTable = node.closest('table.data-table');
  if (inTable && inTable !== node) labelCells(inTable);
}

new MutationObserver((records) => {
  for (const record of records) for (const node of record.addedNodes) labelWithin(node);
}).observe(document.documentElement, { childList: true, subtree: true });
