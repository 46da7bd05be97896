// The mentor's day in the Create and Edit session forms: once a mentor and a date are chosen, that day's
// timeline (00:00–24:00 IST) shows the mentor's busy blocks (their upcoming and live sessions, widened
// by the one-minute gap rule R4 needs) and the chosen time, and says whether it fits — before Save.
//
// mountMentorTimeline({ idPrefix, mentor, read, excludeSessionId }) → { element, refresh() }
//   mentor():  { id, name } of the chosen mentor, or null
//   read():    { startsAt (ISO with offset, or null), durationMinutes } as the form has them now
// Call refresh() when any of those may have changed (the form's input events, a mentor picked).

import { graphql } from '../common/graphql.js';
import { fill, h, hidden } from '../common/dom.js';
import { formatDate, formatTime } from '../common/format.js';
import { onSessionEvent } from '../common/live.js';

const AVAILABILITY = `query MentorDay($mentorId: ID!, $from: DateTime!, $to: DateTime!) {
  mentorAvailability(mentorId: $mentorId, from: $from, to: $to) {
    startsAt endsAt sessionId title status sessionStartsAt sessionEndsAt
  }
}`;
const IST = '+05:30';
const DAY_MS = 24 * 60 * 60 * 1000;

/** "2026-12-05" of an instant in IST. */
function istDay(iso) {
  const [day, month, year] = formatDate(iso).split('-');
  return `${year}-${month}-${day}`;
}

/** Place an element along the bar. Set through the CSSOM: the content security policy refuses style attributes. */
function at(element, left, width = null) {
  element.style.left = `${left}%`;
  if (width !== null) element.style.width = `${width}%`;
  return element;
}

function percent(ms, dayStart) {
  return Math.min(100, Math.max(0, ((ms - dayStart) / DAY_MS) * 100));
}

function ticks() {
  return [0, 3, 6, 9, 12, 15, 18, 21].map((hour) =>
    at(h('span', { class: 'timeline-tick' }, `${String(hour).padStart(2, '0')}:00`), (hour / 24) * 100),
  );
}

function busyBlock(b, dayStart) {
  const left = percent(Date.parse(b.startsAt), dayStart);
  const width = Math.max(0.4, percent(Date.parse(b.endsAt), dayStart) - left);
  return at(
    h('span', {
      class: `timeline-block timeline-busy timeline-${b.status.toLowerCase()}`,
      'data-session-id': b.sessionId,
      title: `${b.title}: ${formatTime(b.sessionStartsAt)}–${formatTime(b.sessionEndsAt)} IST`,
    }),
    left,
    width,
  );
}

/** The time chosen in the form, over the busy blocks. */
function chosenBlock(start, end, dayStart, clashes) {
  const left = percent(start, dayStart);
  return at(
    h('span', {
      class: `timeline-block timeline-chosen ${clashes.length ? 'timeline-clash' : 'timeline-fits'}`,
    }),
    left,
    Math.max(0.4, percent(end, dayStart) - left),
  );
}

function busyItems(blocks) {
  return blocks.length
    ? blocks.map((b) => h('li', {}, `Busy ${formatTime(b.sessionStartsAt)}–${formatTime(b.sessionEndsAt)}: ${b.title}`))
    : [h('li', {}, 'No sessions this day.')];
}

function busyText(who, blocks) {
  return blocks.length
    ? `Busy: ${blocks.map((b) => `${formatTime(b.sessionStartsAt)}–${formatTime(b.sessionEndsAt)} “${b.title}”`).join(', ')}.`
    : `${who.name} has no sessions this day.`;
}

/** Whether the chosen time fits ('unknown', 'clash' or 'fits') and the status line that says so. */
function fitMessage(start, end, clashes, busy) {
  if (end === null) return { fit: 'unknown', message: [busy, ' Enter the time and duration to see whether they fit.'] };
  const chosen = `${formatTime(new Date(start).toISOString())}–${formatTime(new Date(end).toISOString())}`;
  if (clashes.length) {
    const c = clashes[0];
    return {
      fit: 'clash',
      message: [
        h('strong', {}, 'Does not fit: '),
        `${chosen} meets “${c.title}” ` +
          `(${formatTime(c.sessionStartsAt)}–${formatTime(c.sessionEndsAt)}). A mentor needs a gap between sessions; ` +
          `start at ${formatTime(c.endsAt)} or later, or end by ${formatTime(c.startsAt)}. `,
        hidden(busy),
      ],
    };
  }
  return { fit: 'fits', message: [h('strong', {}, 'Fits: '), `${chosen} IST is free. `, busy] };
}

/** The section: a heading, the day's bar, the busy times for screen readers, the status line. */
function timelineSection(idPrefix) {
  const status = h('p', { id: `${idPrefix}-timeline-status`, class: 'timeline-status', role: 'status' });
  const bar = h('div', { class: 'timeline-bar', 'aria-hidden': 'true' });
  const busyList = h('ul', { class: 'timeline-busy-list visually-hidden' });
  const heading = h('h3', { class: 'timeline-heading', id: `${idPrefix}-timeline-heading` }, 'The mentor’s day');
  const element = h(
    'section',
    {
      id: `${idPrefix}-mentor-timeline`,
      class: 'mentor-timeline card',
      hidden: true,
      'aria-labelledby': `${idPrefix}-timeline-heading`,
    },
    heading,
    bar,
    busyList,
    status,
  );
  return { element, heading, bar, busyList, status };
}

export function mountMentorTimeline({ idPrefix, mentor, read, excludeSessionId = null }) {
  const cache = new Map();
  let timer = null;
  let controller = null;
  let shownKey = null;

  const { element, heading, bar, busyList, status } = timelineSection(idPrefix);

  function draw(who, day, busy, wanted) {
    const dayStart = Date.parse(`${day}T00:00:00${IST}`);
    const blocks = busy.filter((b) => b.sessionId !== String(excludeSessionId));
    const start = wanted.startsAt ? Date.parse(wanted.startsAt) : null;
    const end = start !== null && wanted.durationMinutes ? start + wanted.durationMinutes * 60_000 : null;
    // A new session fits when it ends at or before a busy interval's start, or starts at or after its end.
    const clashes =
      end === null ? [] : blocks.filter((b) => start < Date.parse(b.endsAt) && end > Date.parse(b.startsAt));

    fill(
      bar,
      ...ticks(),
      ...blocks.map((b) => busyBlock(b, dayStart)),
      end === null ? null : chosenBlock(start, end, dayStart, clashes),
    );
    fill(heading, `${who.name}’s day, ${formatDate(`${day}T12:00:00${IST}`)} (IST)`);
    fill(busyList, ...busyItems(blocks));
    const { fit, message } = fitMessage(start, end, clashes, busyText(who, blocks));
    element.dataset.fit = fit;
    fill(status, ...message);
  }

  async function update() {
    const who = mentor();
    const wanted = read();
    if (!who || !wanted.startsAt) {
      element.hidden = true;
      shownKey = null;
      return;
    }
    const day = istDay(wanted.startsAt);
    const key = `${who.id}|${day}`;
    element.hidden = false;
    if (cache.has(key)) {
      draw(who, day, cache.get(key), wanted);
      shownKey = key;
      return;
    }
    if (controller) controller.abort();
    controller = new AbortController();
    if (shownKey !== key) fill(status, 'Loading the mentor’s day…');
    const from = `${day}T00:00:00${IST}`;
    const to = new Date(Date.parse(from) + DAY_MS).toISOString();
    try {
      const data = await graphql(AVAILABILITY, { mentorId: who.id, from, to }, { signal: controller.signal });
      cache.set(key, data.mentorAvailability);
      shownKey = key;
      draw(who, day, data.mentorAvailability, read());
    } catch (error) {
      if (error.name === 'AbortError') return;
      fill(status, `The mentor’s day could not be loaded: ${error.message}`);
    }
  }

  /** Look again (soon): the mentor, date, time or duration may have changed. `fresh` forgets what was loaded. */
  function refresh({ fresh = false } = {}) {
    if (fresh) cache.clear();
    clearTimeout(timer);
    timer = setTimeout(update, 250);
  }

  // Someone else may book the mentor while the form is open: any session change reloads the day.
  const stopLive = onSessionEvent(() => {
    if (!element.isConnected) {
      stopLive();
      return;
    }
    if (!element.hidden) refresh({ fresh: true });
  });

  return { element, refresh };
}
