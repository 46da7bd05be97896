// What the Session list shows before anyone filters, and the filters that are not tick boxes:
//
// - The list opens on "Upcoming and live, soonest first": a preset shown as a removable chip. It
//   applies while the URL has no `view=all` and no Status filter of its own; removing the chip, "Clear
//   all", or ticking a Status sets `view=all`.
// - A date range (From / To, DD-MM-YYYY, IST days) → `startsFrom` / `startsTo` in the URL as YYYY-MM-DD.
// - A Mentor filter (managers search mentors by name) → `mentorIds`.
// - How full a session is, as the Workspace overview's cards link to it: `menteeCountAtMost=N` (0: "No
//   mentees yet") and `nearlyFull=true` (80% of the seats taken or more). No panel control sets them; they
//   come with a link, show as chips and are removed like any filter.

import { datePicker } from '../common/date-picker.js';
import { h } from '../common/dom.js';
import { icon } from '../common/icons.js';
import { field } from '../common/forms.js';
import { peoplePicker } from '../common/people-picker.js';
import { parseDate } from '../session/session-form.js';

export const VIEW_KEYS = ['view', 'startsFrom', 'startsTo', 'menteeCountAtMost', 'nearlyFull'];
export const UPCOMING_VIEW_TEXT = 'Upcoming and live, soonest first';
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The view part of the list's state, from a URL query. */
export function readView(query) {
  const day = (key) => (ISO_DAY.test(query.get(key) || '') && parseDate(toShown(query.get(key))) ? query.get(key) : '');
  const atMost = query.get('menteeCountAtMost') || '';
  return {
    allSessions: query.get('view') === 'all',
    startsFrom: day('startsFrom'),
    startsTo: day('startsTo'),
    menteeCountAtMost: /^\d{1,6}$/.test(atMost) ? String(Number(atMost)) : '',
    nearlyFull: query.get('nearlyFull') === 'true',
  };
}

/** Whether the "Upcoming and live" preset applies to `state` (a state from readListState). */
export function upcomingView(state) {
  return !state.view.allSessions && !state.filters.statuses.length;
}

export function appendView(params, state) {
  if (state.view.allSessions) params.set('view', 'all');
  if (state.view.startsFrom) params.set('startsFrom', state.view.startsFrom);
  if (state.view.startsTo) params.set('startsTo', state.view.startsTo);
  if (state.view.menteeCountAtMost) params.set('menteeCountAtMost', state.view.menteeCountAtMost);
  if (state.view.nearlyFull) params.set('nearlyFull', 'true');
}

/** What the view adds to the API's SessionFilter (and to the downloads' query). */
export function viewFilter(state) {
  const filter = {};
  if (upcomingView(state)) filter.statuses = ['UPCOMING', 'LIVE'];
  if (state.view.startsFrom) filter.startsFrom = `${state.view.startsFrom}T00:00:00+05:30`;
  if (state.view.startsTo) filter.startsTo = `${state.view.startsTo}T23:59:59+05:30`;
  if (state.view.menteeCountAtMost) filter.menteeCountAtMost = Number(state.view.menteeCountAtMost);
  if (state.view.nearlyFull) filter.nearlyFull = true;
  return filter;
}

/** The download links carry the same sessions: the preset's statuses and the date range. */
export function appendViewToDownload(params, state) {
  for (const [key, value] of Object.entries(viewFilter(state))) {
    for (const item of [].concat(value)) params.append(key, item);
  }
}

function toShown(isoDay) {
  const [year, month, day] = isoDay.split('-');
  return `${day}-${month}-${year}`;
}

/** Chips of the view: { text, remove(state) → changes } */
export function viewChips(state) {
  const chips = [];
  if (upcomingView(state)) {
    chips.push({
      text: state.sort && state.sort !== 'START_TIME' ? 'Upcoming and live' : UPCOMING_VIEW_TEXT,
      changes: { view: { ...state.view, allSessions: true } },
    });
  }
  if (state.view.startsFrom)
    chips.push({
      text: `From: ${toShown(state.view.startsFrom)}`,
      changes: { view: { ...state.view, startsFrom: '' } },
    });
  if (state.view.startsTo)
    chips.push({ text: `To: ${toShown(state.view.startsTo)}`, changes: { view: { ...state.view, startsTo: '' } } });
  const atMost = state.view.menteeCountAtMost;
  if (atMost) {
    const text = atMost === '0' ? 'No mentees yet' : `Mentees: at most ${atMost}`;
    chips.push({ text, changes: { view: { ...state.view, menteeCountAtMost: '' } } });
  }
  if (state.view.nearlyFull)
    chips.push({ text: 'Nearly full (80% of seats or more)', changes: { view: { ...state.view, nearlyFull: false } } });
  return chips;
}

/** The view once every filter is cleared: all sessions, no dates. */
export const CLEARED_VIEW = {
  allSessions: true,
  startsFrom: '',
  startsTo: '',
  menteeCountAtMost: '',
  nearlyFull: false,
};

/** A DD-MM-YYYY field with its "Choose date" calendar, showing `day` (YYYY-MM-DD or ''). */
function dateField(id, day, { label, pickerLabel }) {
  const input = h('input', {
    id,
    type: 'text',
    inputmode: 'numeric',
    autocomplete: 'off',
    placeholder: 'DD-MM-YYYY',
    class: 'input-date',
    value: day ? toShown(day) : '',
  });
  return { input, field: field({ label, control: input, widget: datePicker(input, { label: pickerLabel }).element }) };
}

function mentorChip(id, mentorNames, onRemove) {
  return h(
    'li',
    { class: 'chip' },
    h('span', {}, mentorNames[id] || `#${id}`),
    h(
      'button',
      {
        type: 'button',
        class: 'chip-remove',
        'aria-label': `Remove ${mentorNames[id] || `mentor ${id}`}`,
        onclick: onRemove,
      },
      icon('close'),
    ),
  );
}

/** The day typed in `input` as YYYY-MM-DD ('' when empty); one that is not a date is told and added to `problems`. */
function readDay(input, dayField, what, problems) {
  const text = input.value.trim();
  if (!text) {
    dayField.error([]);
    return '';
  }
  const parsed = parseDate(text);
  dayField.error(parsed ? [] : [`“${text}” is not a date; enter the ${what} as DD-MM-YYYY, for example 05-12-2026.`]);
  if (!parsed) problems.push(input);
  return parsed || '';
}

/**
 * The Filters panel's date range and Mentor controls. `read()` → { view, mentorIds, problems }, where
 * `problems` are dates that cannot be read (shown beside the fields, the panel stays open).
 */
export function viewControls(state, { mentorNames, canFindMentors }) {
  const { input: from, field: fromField } = dateField('filter-starts-from', state.view.startsFrom, {
    label: 'From (DD-MM-YYYY)',
    pickerLabel: 'the first day',
  });
  const { input: to, field: toField } = dateField('filter-starts-to', state.view.startsTo, {
    label: 'To (DD-MM-YYYY)',
    pickerLabel: 'the last day',
  });
  const dates = h(
    'fieldset',
    { class: 'filter-group filter-dates' },
    h('legend', {}, 'Date (IST)'),
    fromField.element,
    toField.element,
  );

  let mentorIds = [...state.mentorIds];
  const chosen = h('ul', { class: 'chips', 'aria-label': 'Chosen mentors' });
  function drawMentors() {
    chosen.replaceChildren(
      ...mentorIds.map((id) =>
        mentorChip(id, mentorNames, () => {
          mentorIds = mentorIds.filter((m) => m !== id);
          drawMentors();
        }),
      ),
    );
  }
  const picker = canFindMentors
    ? peoplePicker({
        id: 'filter-mentor',
        kind: 'mentors',
        placeholder: 'Mentor name or email',
        isTaken: (person) => mentorIds.includes(person.id),
        takenText: 'already chosen',
        onPick: (person) => {
          mentorNames[person.id] = person.name;
          mentorIds = [...mentorIds, person.id];
          drawMentors();
        },
      })
    : null;
  drawMentors();
  const mentors = h(
    'fieldset',
    { class: 'filter-group filter-mentors' },
    h('legend', {}, 'Mentor'),
    picker ? [h('label', { for: 'filter-mentor' }, 'Find a mentor'), picker.element] : null,
    chosen,
  );

  function read() {
    const problems = [];
    let startsFrom = readDay(from, fromField, 'first day', problems);
    let startsTo = readDay(to, toField, 'last day', problems);
    if (startsFrom && startsTo && startsFrom > startsTo) [startsFrom, startsTo] = [startsTo, startsFrom];
    return { view: { ...state.view, startsFrom, startsTo }, mentorIds, problems };
  }

  return { elements: [dates, mentors], read };
}
