// Moving a session in the mentors' week (calendar=week, a row per mentor): drag its chip, or press M and then the
// arrows, to another day of its own row — checked live against R5 and R4 and saved through updateSession with Undo,
// like the time grid (reschedule.js), the time of day kept — or over another mentor's row, which is refused while
// moving with R7's reason (a published session keeps its mentor), so a drop there saves nothing and says why.

import { h } from '../common/dom.js';
import { followPointer, keyMove, newMove } from './reschedule.js';

/** The mentor of a row of the week: { id, name }. */
function rowMentor(row) {
  return { id: row.dataset.mentorId, name: row.querySelector('.cal-lane-name').textContent };
}

function cellOf(move) {
  const row = move.block.closest('table')?.querySelector(`tr.cal-lane[data-mentor-id="${CSS.escape(move.mentor.id)}"]`);
  return row?.querySelector(`td[data-day="${move.day}"]`);
}

/** The outline in the day of the row the session would go to; the verdict is written on it. */
function outlineAt(move) {
  const cell = cellOf(move);
  if (!cell) return;
  if (!move.ghost) move.ghost = h('div', { class: 'lane-ghost', 'aria-hidden': 'true' }, h('span'));
  if (move.ghost.parentElement !== cell) cell.append(move.ghost);
}

/** The row and day under the pointer. */
function cellAt(move, event) {
  const cell = document.elementFromPoint(event.clientX, event.clientY)?.closest('tr.cal-lane > td[data-day]');
  if (!cell) return;
  move.day = cell.dataset.day;
  move.mentor = rowMentor(cell.parentElement);
}

/** Arrow keys: left and right a day within the week, up and down a mentor's row. */
function step(move, key, context) {
  if (key === 'ArrowLeft' || key === 'ArrowRight') {
    const index = context.days.indexOf(move.day) + (key === 'ArrowLeft' ? -1 : 1);
    move.day = context.days[Math.min(context.days.length - 1, Math.max(0, index))];
    return;
  }
  const rows = [...move.block.closest('tbody').querySelectorAll('tr.cal-lane')];
  const index = rows.findIndex((row) => row.dataset.mentorId === move.mentor.id) + (key === 'ArrowUp' ? -1 : 1);
  move.mentor = rowMentor(rows[Math.min(rows.length - 1, Math.max(0, index))]);
}

/** Make a chip of the mentors' week movable (the session must be upcoming and the viewer allowed to edit it). */
export function startMovingInRows(chip, session, context) {
  chip.classList.add('is-movable');
  chip.setAttribute('aria-keyshortcuts', 'M');
  chip.setAttribute('aria-describedby', 'rows-move-hint');
  chip.addEventListener('pointerdown', (event) => {
    if (event.button === 0) followPointer(event, newMove(chip, session, context, outlineAt), context, cellAt);
  });
  const keys = { step: (move, key) => step(move, key, context), draw: outlineAt };
  chip.addEventListener('keydown', (event) => keyMove(event, chip, session, context, keys));
  chip.addEventListener('dragstart', (event) => event.preventDefault()); // the link's own drag would fight ours
}

/** Said to screen readers on each movable chip. */
export function rowsMoveHint() {
  return h(
    'p',
    { id: 'rows-move-hint', class: 'visually-hidden' },
    'Press M to move this session with the arrow keys: left and right by a day; up and down to another mentor, ' +
      'which a published session refuses; Enter saves, Escape cancels.',
  );
}
