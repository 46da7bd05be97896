// A date field that keeps the app's DD-MM-YYYY display: the person may type the date, or press
// "Choose date" for a month calendar (keyboard: arrows move a day/week, PageUp/PageDown a month,
// Enter picks, Escape closes). The text field stays the one value that is read.

import { fill, h } from './dom.js';
import { MONTH_NAMES } from './format.js';
import { icon } from './icons.js';

const DAYS = ['Mo', 'Tu', 'We', 'Th', 'Fr', 'Sa', 'Su'];
const pad = (n) => String(n).padStart(2, '0');

/** "05-12-2026" → Date (UTC midnight), or null. */
function readDate(text) {
  const found = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$/.exec((text || '').trim());
  if (!found) return null;
  const [day, month, year] = found.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? date : null;
}

function showDate(date) {
  return `${pad(date.getUTCDate())}-${pad(date.getUTCMonth() + 1)}-${date.getUTCFullYear()}`;
}

function today() {
  // Today in IST, the app's display zone.
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Kolkata',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(new Date());
  const get = (type) => Number(parts.find((p) => p.type === type).value);
  return new Date(Date.UTC(get('year'), get('month') - 1, get('day')));
}

/** The calendar's dialog: the month with Previous and Next, the grid of days, Close. */
function calendarBox({ calendarId, label, title, grid, onKey, onMove, onClose }) {
  return h(
    'div',
    {
      id: calendarId,
      class: 'calendar',
      role: 'dialog',
      'aria-modal': 'false',
      'aria-label': `Choose ${label}`,
      hidden: true,
      onkeydown: onKey,
    },
    h(
      'div',
      { class: 'calendar-head' },
      h(
        'button',
        { type: 'button', class: 'button button-quiet', 'aria-label': 'Previous month', onclick: () => onMove(0, -1) },
        icon('previous'),
      ),
      title,
      h(
        'button',
        { type: 'button', class: 'button button-quiet', 'aria-label': 'Next month', onclick: () => onMove(0, 1) },
        icon('next'),
      ),
    ),
    grid,
    h(
      'div',
      { class: 'calendar-foot' },
      h('button', { type: 'button', class: 'button button-link', onclick: () => onClose() }, 'Close'),
    ),
  );
}

function openerButton(calendarId, label, onclick) {
  return h(
    'button',
    {
      type: 'button',
      class: 'button calendar-button',
      'aria-haspopup': 'dialog',
      'aria-expanded': 'false',
      'aria-controls': calendarId,
      'aria-label': `Choose ${label}`,
      onclick,
    },
    icon('calendar'),
  );
}

/** The month of `shown` as the grid's head and body: a button per day, `chosen` pressed, `focusDay` focusable. */
function monthGrid(shown, chosen, focusDay, onPick) {
  const first = (shown.getUTCDay() + 6) % 7; // Monday first
  const start = new Date(shown.getTime() - first * 86400000);
  const rows = [];
  for (let week = 0; week < 6; week += 1) {
    const cells = [];
    for (let d = 0; d < 7; d += 1) {
      const day = new Date(start.getTime() + (week * 7 + d) * 86400000);
      const inMonth = day.getUTCMonth() === shown.getUTCMonth();
      const isFocus = focusDay && day.getTime() === focusDay.getTime();
      cells.push(
        h(
          'td',
          { role: 'gridcell' },
          inMonth
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'calendar-day',
                  tabindex: isFocus ? '0' : '-1',
                  'aria-label': `${day.getUTCDate()} ${MONTH_NAMES[day.getUTCMonth()]} ${day.getUTCFullYear()}`,
                  'aria-pressed': String(Boolean(chosen && chosen.getTime() === day.getTime())),
                  'data-day': day.toISOString().slice(0, 10),
                  onclick: () => onPick(day),
                },
                String(day.getUTCDate()),
              )
            : null,
        ),
      );
    }
    rows.push(h('tr', {}, cells));
  }
  return [
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        DAYS.map((d) => h('th', { scope: 'col', abbr: d }, d)),
      ),
    ),
    h('tbody', {}, rows),
  ];
}

/**
 * Wraps the text `input` (DD-MM-YYYY) with a "Choose date" button and its calendar.
 * Returns { element } — put `element` where the input would go (it contains the input).
 */
export function datePicker(input, { label = 'date' } = {}) {
  let shown = null; // first day of the month on show
  let focusDay = null;
  const calendarId = `${input.id}-calendar`;
  const title = h('h2', { class: 'calendar-title', id: `${calendarId}-title`, 'aria-live': 'polite' });
  const grid = h('table', { class: 'calendar-grid', role: 'grid', 'aria-labelledby': `${calendarId}-title` });
  const calendar = calendarBox({ calendarId, label, title, grid, onKey: onCalendarKey, onMove: move, onClose: close });
  const opener = openerButton(calendarId, label, () => (calendar.hidden ? open() : close()));
  const element = h('div', { class: 'date-picker' }, h('div', { class: 'date-picker-row' }, input, opener), calendar);

  function draw() {
    title.textContent = `${MONTH_NAMES[shown.getUTCMonth()]} ${shown.getUTCFullYear()}`;
    fill(grid, ...monthGrid(shown, readDate(input.value), focusDay, pick));
  }

  function focusCurrent() {
    const button = grid.querySelector('button[tabindex="0"]');
    if (button) button.focus();
  }

  function open() {
    focusDay = readDate(input.value) || today();
    shown = new Date(Date.UTC(focusDay.getUTCFullYear(), focusDay.getUTCMonth(), 1));
    draw();
    calendar.hidden = false;
    opener.setAttribute('aria-expanded', 'true');
    focusCurrent();
  }

  function close({ focus = true } = {}) {
    calendar.hidden = true;
    opener.setAttribute('aria-expanded', 'false');
    if (focus) opener.focus();
  }

  function move(days, months = 0) {
    const base = focusDay || shown;
    focusDay = months
      ? new Date(Date.UTC(base.getUTCFullYear(), base.getUTCMonth() + months, Math.min(base.getUTCDate(), 28)))
      : new Date(base.getTime() + days * 86400000);
    shown = new Date(Date.UTC(focusDay.getUTCFullYear(), focusDay.getUTCMonth(), 1));
    draw();
    if (calendar.contains(document.activeElement) && document.activeElement.classList.contains('calendar-day'))
      focusCurrent();
  }

  function pick(day) {
    input.value = showDate(day);
    input.dispatchEvent(new Event('input', { bubbles: true }));
    close();
  }

  function onCalendarKey(event) {
    const steps = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7 };
    if (event.key === 'Escape') {
      // Escape closes the month calendar only, not the panel or dialog the date field sits in.
      event.preventDefault();
      event.stopPropagation();
      close();
    } else if (event.target.classList.contains('calendar-day') && event.key in steps) {
      event.preventDefault();
      move(steps[event.key]);
      focusCurrent();
    } else if (
      event.target.classList.contains('calendar-day') &&
      (event.key === 'PageUp' || event.key === 'PageDown')
    ) {
      event.preventDefault();
      move(0, event.key === 'PageUp' ? -1 : 1);
      focusCurrent();
    }
  }

  document.addEventListener('click', (event) => {
    if (!calendar.hidden && !element.contains(event.target)) close({ focus: false });
  });

  return { element };
}
