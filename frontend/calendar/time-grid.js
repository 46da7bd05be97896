// The calendar's time grid (calendar=grid for a week, calendar=day for one day): hours down, days across, in IST,
// for the sessions the list's search and filters find (one mentor with the Mentor filter). Clicking an empty slot
// creates a session there; an upcoming session moves by dragging it or from the keyboard (reschedule.js).

import { h, hidden } from '../common/dom.js';
import { navigate } from '../common/router.js';
import { formatDate, formatTime, STATUS_LABELS } from '../common/format.js';
import { startMoving } from './reschedule.js';

const IST = '+05:30';
const MINUTE_MS = 60_000;
const SLOT_MINUTES = 30;
export const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** The IST day ("YYYY-MM-DD") and minutes after its midnight of an instant. */
export function istPlace(iso) {
  const [day, month, year] = formatDate(iso).split('-');
  const [hours, minutes] = formatTime(iso).split(':').map(Number);
  return { day: `${year}-${month}-${day}`, minute: hours * 60 + minutes };
}

/** The instant (ISO, IST offset) of a day and minutes after its midnight. */
export function instantAt(day, minute) {
  return new Date(Date.parse(`${day}T00:00:00${IST}`) + minute * MINUTE_MS).toISOString();
}

function showDay(day) {
  const [y, m, d] = day.split('-');
  return `${d}-${m}-${y}`;
}

/** Side-by-side lanes for sessions that overlap in one day: [{ session, lane, lanes }]. */
function laidOut(sessions) {
  const placed = [];
  const laneEnds = [];
  for (const session of [...sessions].sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt))) {
    let lane = laneEnds.findIndex((end) => end <= Date.parse(session.startsAt));
    if (lane < 0) lane = laneEnds.length;
    laneEnds[lane] = Date.parse(session.endsAt);
    placed.push({ session, lane });
  }
  return placed.map((p) => ({ ...p, lanes: laneEnds.length }));
}

/** Position through the CSSOM (the content security policy refuses style attributes). */
function place(element, { minute, minutes, lane = 0, lanes = 1 }) {
  element.style.setProperty('--start', String(minute));
  element.style.setProperty('--length', String(Math.max(minutes, 15)));
  element.style.setProperty('--lane', String(lane));
  element.style.setProperty('--lanes', String(lanes));
  return element;
}

function sessionBlock({ session, lane, lanes }, context) {
  const { minute } = istPlace(session.startsAt);
  const movable = session.status === 'UPCOMING' && session.canEdit;
  const when = `${formatTime(session.startsAt)}–${formatTime(session.endsAt)}`;
  const block = h(
    'a',
    {
      href: `/sessions/${session.id}`,
      class: `grid-session cal-${session.status.toLowerCase()}${movable ? ' is-movable' : ''}`,
      'data-session-id': session.id,
      'aria-keyshortcuts': movable ? 'M' : false,
      'aria-describedby': movable ? 'grid-move-hint' : false,
    },
    h('span', { class: 'grid-session-time' }, when),
    h('span', { class: 'session-title' }, session.title),
    h('span', { class: 'grid-session-mentor' }, session.mentor.name),
    hidden(`, ${STATUS_LABELS[session.status]}, ${formatDate(session.startsAt)} ${when} IST`),
  );
  place(block, { minute, minutes: session.durationMinutes, lane, lanes });
  if (movable) startMoving(block, session, context);
  return block;
}

/** A click on an empty part of a day opens Create session at that half hour. */
function onSlotClick(event) {
  if (event.target !== event.currentTarget) return;
  const rect = event.currentTarget.getBoundingClientRect();
  const minute = Math.floor(((event.clientY - rect.top) / rect.height) * 24 * 60);
  const slot = Math.min(24 * 60 - SLOT_MINUTES, Math.floor(minute / SLOT_MINUTES) * SLOT_MINUTES);
  const day = event.currentTarget.dataset.day;
  const time = `${String(Math.floor(slot / 60)).padStart(2, '0')}:${String(slot % 60).padStart(2, '0')}`;
  navigate(`/sessions/new?date=${showDay(day)}&time=${time}`);
}

function dayColumn(day, sessions, context) {
  const column = h('div', {
    class: 'grid-day',
    'data-day': day,
    title: context.canCreate ? 'Click an empty slot to create a session there' : false,
  });
  if (context.canCreate) column.addEventListener('click', onSlotClick);
  column.append(...laidOut(sessions).map((placed) => sessionBlock(placed, context)));
  return column;
}

function hourLabels() {
  return h(
    'div',
    { class: 'grid-hours', 'aria-hidden': 'true' },
    Array.from({ length: 24 }, (_, hour) => h('span', { class: 'grid-hour' }, `${String(hour).padStart(2, '0')}:00`)),
  );
}

function dayHeads(days, todayDay) {
  return h(
    'div',
    { class: 'grid-heads', 'aria-hidden': 'true' },
    h('span', { class: 'grid-corner' }),
    days.map((day) => {
      const weekday = (new Date(`${day}T12:00:00Z`).getUTCDay() + 6) % 7;
      return h(
        'span',
        { class: day === todayDay ? 'grid-head cal-today' : 'grid-head' },
        `${DAY_NAMES[weekday]} ${showDay(day).slice(0, 5)}`,
      );
    }),
  );
}

/**
 * The grid of `days` with their `sessions`. `context`: { canCreate, days, reload, announce } for slots and moves.
 * Screen readers get each day's sessions as a list (the blocks are links in time order).
 */
export function timeGrid(days, sessions, context) {
  const todayDay = istPlace(new Date().toISOString()).day;
  const byDay = new Map(days.map((day) => [day, []]));
  for (const s of sessions) byDay.get(istPlace(s.startsAt).day)?.push(s);
  const body = h(
    'div',
    { class: 'grid-body', tabindex: '0', role: 'region', 'aria-label': 'Hours of the day, scrollable' },
    hourLabels(),
    days.map((day) => dayColumn(day, byDay.get(day), { ...context, days })),
  );
  const grid = h(
    'div',
    { class: `time-grid grid-days-${days.length}`, id: 'calendar-time-grid' },
    dayHeads(days, todayDay),
    body,
    h(
      'p',
      { id: 'grid-move-hint', class: 'visually-hidden' },
      'Press M to move this session with the arrow keys: up and down by 15 minutes, left and right by a day; Enter saves, Escape cancels.',
    ),
  );
  return grid;
}

/**
 * Open the grid in `container` on the working day, not at midnight; a redraw (a live update) stays where the person
 * scrolled to. Called as soon as the grid is in the page, not a frame later: a drag that starts meanwhile would
 * read positions the scroll then moves.
 */
export function scrollGrid(container, scrollTop) {
  const body = container.querySelector('.grid-body');
  if (body) body.scrollTop = scrollTop ?? (body.scrollHeight / 24) * 7;
}
