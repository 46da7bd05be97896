// The calendar view of the Session list, in IST, one colour per status, with the list's own search and filters:
// a week with a lane per mentor (calendar=week), a time grid of the week or of one day (calendar=grid|day,
// time-grid.js: create in an empty slot, move a session), or a month. On a phone the wide views become an agenda
// (the day's time grid stays), so nothing scrolls sideways. A session opens its details page.
//
// mountCalendarView(listSection, ctx) adds the "List | Calendar" switch to the Session list and returns
// { update(ctx), leave() }. Its state is in the URL beside the list's: show=calendar, calendar=week|month,
// date=YYYY-MM-DD (a day of the week or month shown). While the calendar shows, the list's table and pager
// are hidden (the search, filters and chips stay and apply to both).

import { graphql } from '../common/graphql.js';
import { errorMessage, fill, h, hidden } from '../common/dom.js';
import { navigate } from '../common/router.js';
import { formatDate, formatTime, MONTH_NAMES, STATUS_LABELS } from '../common/format.js';
import { graphqlVariables, readListState } from '../list/sessions-list-state.js';
import { followSessionList } from '../common/live.js';
import { scrollGrid, timeGrid } from './time-grid.js';
import { rowsMoveHint, startMovingInRows } from './mentor-rows.js';
import { icon } from '../common/icons.js';

const IST = '+05:30';
const PAGE_SIZE = 100;
const MAX_PAGES = 10; // 1,000 sessions in one view; more are announced, not drawn
const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const MONTH_CHIPS = 4;
const PERIODS = [
  ['week', 'Mentors'],
  ['grid', 'Week'],
  ['day', 'Day'],
  ['month', 'Month'],
];
const PHONE = '(max-width: 640px)';

const CALENDAR_QUERY = `query SessionCalendar($filter: SessionFilter, $search: String, $page: Int!, $pageSize: Int!) {
  sessions(filter: $filter, search: $search, sort: { field: START_TIME, direction: ASC }, page: $page, pageSize: $pageSize) {
    totalCount hasNextPage
    items { id title status startsAt endsAt durationMinutes canEdit mentor { id name } }
  }
}`;

// --- days as "YYYY-MM-DD" in IST ------------------------------------------------------------------

/** The IST day of an instant. */
export function istDay(iso) {
  const [day, month, year] = formatDate(iso).split('-');
  return `${year}-${month}-${day}`;
}

function parts(day) {
  const [y, m, d] = day.split('-').map(Number);
  return { y, m, d };
}

function fromUtcDate(date) {
  return date.toISOString().slice(0, 10);
}

function addDays(day, count) {
  const { y, m, d } = parts(day);
  return fromUtcDate(new Date(Date.UTC(y, m - 1, d + count)));
}

/** Monday of the day's week. */
function mondayOf(day) {
  const { y, m, d } = parts(day);
  const weekday = (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
  return addDays(day, -weekday);
}

function showDay(day) {
  const { y, m, d } = parts(day);
  return `${String(d).padStart(2, '0')}-${String(m).padStart(2, '0')}-${y}`;
}

/** The days drawn: a week from Monday, or the whole weeks that hold the month. */
function visibleDays(mode, anchor) {
  if (mode === 'day') return [anchor];
  if (mode === 'week' || mode === 'grid') {
    const start = mondayOf(anchor);
    return Array.from({ length: 7 }, (_, i) => addDays(start, i));
  }
  const { y, m } = parts(anchor);
  const first = `${y}-${String(m).padStart(2, '0')}-01`;
  const last = fromUtcDate(new Date(Date.UTC(y, m, 0)));
  const days = [];
  for (let day = mondayOf(first); day <= last || days.length % 7; day = addDays(day, 1)) days.push(day);
  return days;
}

function readCalendarState(query) {
  const date = query.get('date');
  return {
    mode: ['month', 'grid', 'day'].includes(query.get('calendar')) ? query.get('calendar') : 'week',
    anchor:
      /^\d{4}-\d{2}-\d{2}$/.test(date || '') && !Number.isNaN(Date.parse(date))
        ? date
        : istDay(new Date().toISOString()),
  };
}

function button(id, onclick, ...content) {
  return h('button', { type: 'button', class: 'button', id, onclick }, ...content);
}

/** The "List | Calendar" switch placed under the list's heading. */
function viewSwitch(switchTo) {
  const listButton = button('show-list', () => switchTo(null), 'List');
  const calendarButton = button('show-calendar', () => switchTo('calendar'), 'Calendar');
  const switcher = h(
    'div',
    { class: 'view-switch', role: 'group', 'aria-label': 'Show the sessions as' },
    listButton,
    calendarButton,
  );
  return { listButton, calendarButton, switcher };
}

/** The calendar's section: Previous / Today / Next, the title, Week / Month, the legend, status and body. */
function calendarSection(onStep) {
  const title = h('h3', { id: 'calendar-title', class: 'calendar-title', 'aria-live': 'polite' });
  const periodButtons = PERIODS.map(([mode, label]) => button(`calendar-${mode}`, () => go({ calendar: mode }), label));
  const previous = button('calendar-previous', () => onStep(-1), icon('previous'), 'Previous');
  const today = button('calendar-today', () => go({ date: istDay(new Date().toISOString()) }), 'Today');
  const next = button('calendar-next', () => onStep(1), 'Next', icon('next'));
  const legend = h(
    'ul',
    { class: 'calendar-legend', 'aria-label': 'Colours' },
    Object.entries(STATUS_LABELS).map(([status, label]) =>
      h('li', {}, h('span', { class: `cal-swatch cal-${status.toLowerCase()}`, 'aria-hidden': 'true' }), label),
    ),
  );
  const status = h('p', { class: 'list-status', role: 'status', id: 'calendar-status' });
  const body = h('div', { class: 'calendar-body', id: 'calendar-body' });
  // What a move in the time grid is doing or did: its verdict while moving, then Moved (with Undo) or why not.
  const moveStatus = h('p', { class: 'move-status', id: 'calendar-move-status', role: 'status' });
  const calendar = h(
    'section',
    { id: 'session-calendar', class: 'session-calendar', hidden: true, 'aria-labelledby': 'calendar-title' },
    h(
      'div',
      { class: 'calendar-toolbar' },
      h('div', { class: 'calendar-nav' }, previous, today, next),
      title,
      h('div', { class: 'view-switch', role: 'group', 'aria-label': 'Calendar period' }, periodButtons),
    ),
    legend,
    status,
    moveStatus,
    body,
  );
  return { calendar, title, periodButtons, status, moveStatus, body };
}

function chip(session, { withMentor }) {
  const start = formatTime(session.startsAt);
  return h(
    'a',
    {
      href: `/sessions/${session.id}`,
      class: `cal-session cal-${session.status.toLowerCase()}`,
      'data-session-id': session.id,
      title: `${session.title} · ${start}–${formatTime(session.endsAt)} IST · ${session.mentor.name} · ${STATUS_LABELS[session.status]}`,
    },
    h('span', { class: 'cal-time' }, start),
    ' ',
    h('span', { class: 'session-title' }, session.title),
    withMentor ? h('span', { class: 'cal-mentor' }, ` · ${session.mentor.name}`) : null,
    hidden(
      `, ${STATUS_LABELS[session.status]}, ${formatDate(session.startsAt)} ${start} to ${formatTime(session.endsAt)} IST, mentor ${session.mentor.name}`,
    ),
  );
}

function byDay(sessions) {
  const found = new Map();
  for (const s of sessions) {
    const day = istDay(s.startsAt);
    if (!found.has(day)) found.set(day, []);
    found.get(day).push(s);
  }
  return found;
}

function dayListUrl(day) {
  const query = new URLSearchParams(location.search);
  for (const key of ['show', 'calendar', 'date', 'page']) query.delete(key);
  query.set('startsFrom', day);
  query.set('startsTo', day);
  return `${location.pathname}?${query}`;
}

/** A chip of the mentors' week, movable to another day of its row when the session is upcoming and editable. */
function laneChip(session, context) {
  const element = chip(session, { withMentor: false });
  if (session.status === 'UPCOMING' && session.canEdit) startMovingInRows(element, session, context);
  return element;
}

function weekLane([mentorId, name], days, sessions, todayDay, context) {
  return h(
    'tr',
    { class: 'cal-lane', 'data-mentor-id': mentorId },
    h('th', { scope: 'row', class: 'cal-lane-name' }, h('a', { href: `/mentors/${mentorId}` }, name)),
    days.map((day) =>
      h(
        'td',
        { 'data-day': day, class: day === todayDay ? 'cal-today' : false },
        sessions.filter((s) => s.mentor.id === mentorId && istDay(s.startsAt) === day).map((s) => laneChip(s, context)),
      ),
    ),
  );
}

function weekView(days, sessions, gridContext) {
  const context = { ...gridContext, days };
  const mentors = new Map();
  for (const s of sessions) mentors.set(s.mentor.id, s.mentor.name);
  const lanes = [...mentors.entries()].sort((a, b) => a[1].localeCompare(b[1]));
  const todayDay = istDay(new Date().toISOString());
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'calendar-week', id: 'calendar-week-table' },
      h('caption', { class: 'visually-hidden' }, 'Sessions of the week, one row per mentor, one column per day (IST)'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Mentor'),
          days.map((day, i) =>
            h(
              'th',
              { scope: 'col', class: day === todayDay ? 'cal-today' : false, 'data-day': day },
              `${DAY_NAMES[i]} `,
              h('span', { class: 'cal-date' }, showDay(day).slice(0, 5)),
            ),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        lanes.length
          ? lanes.map((lane) => weekLane(lane, days, sessions, todayDay, context))
          : h(
              'tr',
              {},
              h('td', { colspan: '8', class: 'muted' }, 'No sessions this week match the search and filters.'),
            ),
      ),
    ),
    rowsMoveHint(),
  );
}

function monthDay(day, list, month, todayDay) {
  const outside = parts(day).m !== month;
  return h(
    'td',
    {
      'data-day': day,
      class: [outside ? 'cal-outside' : '', day === todayDay ? 'cal-today' : ''].join(' ').trim() || false,
    },
    h('div', { class: 'cal-day-number' }, String(parts(day).d)),
    list.slice(0, MONTH_CHIPS).map((s) => chip(s, { withMentor: true })),
    list.length > MONTH_CHIPS
      ? h(
          'a',
          { href: dayListUrl(day), class: 'cal-more' },
          `+${list.length - MONTH_CHIPS} more`,
          hidden(` on ${showDay(day)}`),
        )
      : null,
  );
}

function monthView(days, sessions, month) {
  const found = byDay(sessions);
  const todayDay = istDay(new Date().toISOString());
  const weeks = [];
  for (let i = 0; i < days.length; i += 7) weeks.push(days.slice(i, i + 7));
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'calendar-month', id: 'calendar-month-table' },
      h('caption', { class: 'visually-hidden' }, 'Sessions of the month by day (IST)'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          DAY_NAMES.map((name) => h('th', { scope: 'col' }, name)),
        ),
      ),
      h(
        'tbody',
        {},
        weeks.map((week) =>
          h(
            'tr',
            {},
            week.map((day) => monthDay(day, found.get(day) || [], month, todayDay)),
          ),
        ),
      ),
    ),
  );
}

/** What the calendar shows for this URL: the days drawn, and the list's filters narrowed to them. */
function calendarPeriod(query) {
  const list = readListState(query);
  const { mode, anchor } = readCalendarState(query);
  const days = visibleDays(mode, anchor);
  // The list's own filters (its "Upcoming and live" preset, its From and To days included), within the
  // calendar's period.
  const base = graphqlVariables({ ...list, page: 1, pageSize: PAGE_SIZE });
  let from = `${days[0]}T00:00:00${IST}`;
  let to = `${days[days.length - 1]}T23:59:59${IST}`;
  const listFilter = base.filter || {};
  if (listFilter.startsFrom && Date.parse(listFilter.startsFrom) > Date.parse(from)) from = listFilter.startsFrom;
  if (listFilter.startsTo && Date.parse(listFilter.startsTo) < Date.parse(to)) to = listFilter.startsTo;
  const { y, m } = parts(anchor);
  const weekday = DAY_NAMES[(new Date(`${anchor}T12:00:00Z`).getUTCDay() + 6) % 7];
  const titles = {
    day: () => `${weekday} ${showDay(anchor)} (IST)`,
    month: () => `${MONTH_NAMES[m - 1]} ${y} (IST)`,
  };
  const title = (titles[mode] || (() => `Week of ${showDay(days[0])} – ${showDay(days[6])} (IST)`))();
  return {
    mode,
    days,
    month: m,
    title,
    filter: { ...listFilter, startsFrom: from, startsTo: to },
    search: base.search,
  };
}

/** The period's sessions, a page at a time, at most MAX_PAGES pages. */
async function fetchSessions({ filter, search }, signal) {
  const sessions = [];
  let more = false;
  let total = 0;
  for (let page = 1; page <= MAX_PAGES; page += 1) {
    const data = await graphql(CALENDAR_QUERY, { filter, search, page, pageSize: PAGE_SIZE }, { signal });
    sessions.push(...data.sessions.items);
    total = data.sessions.totalCount;
    more = data.sessions.hasNextPage;
    if (!more) break;
  }
  return { sessions, total, more };
}

/** Changes the calendar's parameters in the URL (null removes one). */
function go(changes) {
  const query = new URLSearchParams(location.search);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) query.delete(key);
    else query.set(key, value);
  }
  navigate(`${location.pathname}?${query}`);
}

/** Previous or next week or month. */
function step(query, direction) {
  const { mode, anchor } = readCalendarState(query);
  if (mode !== 'month') {
    go({ date: addDays(anchor, (mode === 'day' ? 1 : 7) * direction) });
    return;
  }
  const { y, m } = parts(anchor);
  go({ date: fromUtcDate(new Date(Date.UTC(y, m - 1 + direction, 1))) });
}

/** On a phone, the period's sessions day by day: nothing wider than the screen. */
function agendaView(days, sessions) {
  const found = byDay(sessions);
  const shown = days.filter((day) => found.has(day));
  if (!shown.length) return h('p', { class: 'muted' }, 'No sessions in this period match the search and filters.');
  return h(
    'ol',
    { class: 'agenda', id: 'calendar-agenda' },
    shown.map((day) =>
      h(
        'li',
        { class: 'agenda-day', 'data-day': day },
        h('h4', {}, `${DAY_NAMES[(new Date(`${day}T12:00:00Z`).getUTCDay() + 6) % 7]} ${showDay(day)}`),
        h(
          'ul',
          {},
          found.get(day).map((s) => h('li', {}, chip(s, { withMentor: true }))),
        ),
      ),
    ),
  );
}

/** The view of the period: the time grid, the mentors' week, the month, or on a phone an agenda. */
function periodView(period, sessions, gridContext) {
  if (period.mode === 'day' || (period.mode === 'grid' && !matchMedia(PHONE).matches))
    return timeGrid(period.days, sessions, gridContext);
  if (matchMedia(PHONE).matches) return agendaView(period.days, sessions);
  return period.mode === 'week'
    ? weekView(period.days, sessions, gridContext)
    : monthView(period.days, sessions, period.month);
}

/** Draws the fetched sessions, keeping the focus on the link that had it. */
function drawSessions({ calendar, body, status, gridContext }, period, { sessions, total, more }) {
  calendar.removeAttribute('aria-busy');
  const focusedHref = body.contains(document.activeElement) ? document.activeElement.getAttribute('href') : null;
  const shownBody = body.querySelector('.grid-body');
  const scrollTop = shownBody && body.dataset.period === period.title ? shownBody.scrollTop : undefined;
  body.dataset.period = period.title;
  fill(body, periodView(period, sessions, { ...gridContext, busy: new Map(), busyLoaded: new Map() }));
  scrollGrid(body, scrollTop);
  if (focusedHref) {
    const again = body.querySelector(`a[href="${CSS.escape(focusedHref)}"]`);
    if (again) again.focus();
  }
  fill(
    status,
    more
      ? `Showing the first ${sessions.length} of ${total} sessions in this period; narrow the filters to see the rest.`
      : hidden(`${total} ${total === 1 ? 'session' : 'sessions'} in this period.`),
  );
}

/** What the time grid needs to create in a slot and to move a session: who may, how to say it, how to reload. */
function timeGridContext({ ctx, moveStatus, body, reload }) {
  return {
    canCreate: (ctx.viewer?.roles || []).includes('MANAGER'),
    reload,
    shared: { moving: false, stale: false },
    say: (text, { kind, undo = null }) => {
      moveStatus.dataset.kind = kind;
      const undoButton = undo ? h('button', { type: 'button', class: 'button', onclick: undo }, 'Undo') : null;
      // Once the move is over, the floating bar can be put away (it waits for that rather than vanishing with Undo).
      const dismiss =
        kind === 'done' || kind === 'problem'
          ? h(
              'button',
              {
                type: 'button',
                class: 'icon-button move-status-dismiss',
                'aria-label': 'Dismiss',
                title: 'Dismiss',
                onclick: () => moveStatus.replaceChildren(),
              },
              icon('close'),
            )
          : null;
      fill(moveStatus, text, undo ? ' ' : null, undoButton, dismiss);
    },
    grid: () => body.querySelector('#calendar-time-grid'),
  };
}

/** A session being moved in the time grid is not redrawn under the pointer: the update waits for the drop. */
function liveReload(gridContext, load) {
  if (gridContext.shared.moving) gridContext.shared.stale = true;
  else load({ quiet: true });
}

export function mountCalendarView(listSection, ctx) {
  let controller = null;
  let shownKey = null;
  let stopLive = null;

  const { listButton, calendarButton, switcher } = viewSwitch(switchTo);
  const { calendar, title, periodButtons, status, moveStatus, body } = calendarSection((direction) =>
    step(ctx.query, direction),
  );
  const gridContext = timeGridContext({ ctx, moveStatus, body, reload: () => load({ quiet: true }) });
  const heading = listSection.querySelector('h2');
  (heading || listSection.firstChild).after(switcher);
  listSection.append(calendar);

  function switchTo(show) {
    go({ show, ...(show ? {} : { calendar: null, date: null }) });
  }

  async function load({ quiet = false } = {}) {
    const period = calendarPeriod(ctx.query);
    fill(title, period.title);
    PERIODS.forEach(([mode], i) => periodButtons[i].setAttribute('aria-pressed', String(period.mode === mode)));

    if (controller) controller.abort();
    controller = new AbortController();
    const { signal } = controller;
    if (!quiet) {
      calendar.setAttribute('aria-busy', 'true');
      fill(status, h('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Loading the calendar…');
    }
    let found;
    try {
      found = await fetchSessions(period, signal);
    } catch (error) {
      if (signal.aborted) return;
      calendar.removeAttribute('aria-busy');
      status.replaceChildren();
      fill(
        body,
        errorMessage('The calendar could not be loaded.', error, () => load()),
      );
      return;
    }
    if (signal.aborted) return;
    drawSessions({ calendar, body, status, gridContext }, period, found);
  }

  function stopShowing() {
    if (controller) controller.abort();
    if (stopLive) {
      stopLive();
      stopLive = null;
    }
    shownKey = null;
  }

  function follow(nextCtx) {
    ctx = nextCtx;
    const showing = ctx.query.get('show') === 'calendar';
    listButton.setAttribute('aria-pressed', String(!showing));
    calendarButton.setAttribute('aria-pressed', String(showing));
    listSection.classList.toggle('showing-calendar', showing);
    calendar.hidden = !showing;
    if (!showing) {
      stopShowing();
      return;
    }
    if (!stopLive) stopLive = followSessionList(body, () => liveReload(gridContext, load));
    const query = new URLSearchParams(ctx.query);
    query.delete('page');
    query.delete('pageSize');
    const key = query.toString();
    if (key === shownKey) return;
    shownKey = key;
    load();
  }

  follow(ctx);
  return {
    update: follow,
    leave() {
      if (controller) controller.abort();
      if (stopLive) stopLive();
    },
  };
}
