// The fields of a session shared by the Create session form and the Edit session tab: title,
// description, date/time/time zone, duration, recommended for, categories, medium, seats limit, reminders,
// and the meeting (platform, link, passcode).
//
// Dates and times are typed in the session's time zone (IST or UTC) and sent as an ISO instant with
// that zone's offset; IST has no daylight saving, so its offset is always +05:30.

import { h } from '../common/dom.js';
import { field, group, wholeNumber } from '../common/forms.js';
import { formatDate, formatDateTime, formatTime, PLATFORM_LABELS, sessionZone } from '../common/format.js';
import { datePicker } from '../common/date-picker.js';
import { valuePicker } from '../common/value-picker.js';
import { loadVocabulary } from '../vocabulary/vocabulary.js';

export const ZONE_OFFSETS = { IST: '+05:30', UTC: '+00:00' };
const ZONE_LABELS = { IST: 'IST (India, UTC+05:30)', UTC: 'UTC' };

/** DD-MM-YYYY of an instant shown in a session zone (IST/UTC), as the date field takes it. */
export function dateInputValue(iso, zone) {
  return formatDate(iso, sessionZone(zone));
}

export function timeInputValue(iso, zone) {
  return formatTime(iso, sessionZone(zone));
}

/** "5-12-2026", "05/12/2026" or "05.12.2026" → "2026-12-05"; null when it is not a real date. */
export function parseDate(text) {
  const found = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$/.exec(text.trim());
  if (!found) return null;
  const [day, month, year] = found.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** "17:00", "9:30", "17.00" or "17:00 Hrs" → "17:00"; null when it is not a 24-hour time. */
export function parseTime(text) {
  const found = /^(\d{1,2})[:.](\d{2})(\s*hrs?)?$/i.exec(text.trim());
  if (!found) return null;
  const [hours, minutes] = [Number(found[1]), Number(found[2])];
  if (hours > 23 || minutes > 59) return null;
  return `${String(hours).padStart(2, '0')}:${found[2]}`;
}

/** Date and time typed in a session zone → "2026-12-05T17:00:00+05:30"; null unless both are valid. */
export function startsAtFrom(dateText, timeText, zone) {
  const date = parseDate(dateText);
  const time = parseTime(timeText);
  if (!date || !time) return null;
  return `${date}T${time}:00${ZONE_OFFSETS[zone] || ZONE_OFFSETS.IST}`;
}

/** What is wrong with a typed date and time, or null; `required` when they cannot be left empty. */
function startProblem(dateText, timeText, required) {
  const date = dateText.trim();
  const time = timeText.trim();
  if (!date && !time) return required ? 'Enter the date and the time the session starts.' : null;
  if (date && !parseDate(date)) return `“${date}” is not a date; enter it as DD-MM-YYYY, for example 05-12-2026.`;
  if (time && !parseTime(time))
    return `“${time}” is not a time; enter it as HH:MM on a 24-hour clock, for example 17:00.`;
  if (!date) return 'Enter the date too, as DD-MM-YYYY.';
  if (!time) return 'Enter the time too, as HH:MM on a 24-hour clock.';
  return null;
}

function textInput(id, value, attributes = {}) {
  return h('input', { id, type: 'text', value: value ?? '', ...attributes });
}

function numberInput(id, value, attributes = {}) {
  return h('input', { id, type: 'number', inputmode: 'numeric', step: '1', value: value ?? '', ...attributes });
}

function pickerField(label, picker, hint) {
  return field({ label, control: picker.control, widget: picker.element, hint });
}

/** Date, time and time zone, in the session's zone (edit) or empty in IST (create). */
function whenControls(id, session, zone) {
  const date = textInput(id('date'), session ? dateInputValue(session.startsAt, zone) : '', {
    inputmode: 'numeric',
    autocomplete: 'off',
    placeholder: 'DD-MM-YYYY',
    class: 'input-date',
  });
  const time = textInput(id('time'), session ? timeInputValue(session.startsAt, zone) : '', {
    inputmode: 'numeric',
    autocomplete: 'off',
    placeholder: 'HH:MM',
    class: 'input-time',
  });
  const timeZone = h(
    'select',
    { id: id('time-zone') },
    Object.entries(ZONE_LABELS).map(([value, label]) => h('option', { value, selected: value === zone }, label)),
  );
  return { date, time, timeZone };
}

/** Recommended for, categories and medium: pick-lists of the organisation's values, loaded once. */
function vocabularyPickers(id, session) {
  const recommendedFor = valuePicker({ id: id('recommended-for'), selected: session?.recommendedFor });
  const categories = valuePicker({ id: id('categories'), selected: session?.categories });
  const medium = valuePicker({ id: id('medium'), selected: session ? [session.medium] : [], multiple: false });
  loadVocabulary().then(
    (lists) => {
      recommendedFor.setOptions(lists.recommendedFor);
      categories.setOptions(lists.categories);
      medium.setOptions(lists.mediums);
    },
    () => {},
  ); // without the lists the pickers say so; the server still checks every value
  return { recommendedFor, categories, medium };
}

function remindersField(id, session) {
  const reminders = h('input', {
    id: id('reminders'),
    type: 'checkbox',
    checked: session ? session.remindersEnabled !== false : true,
    'aria-describedby': id('reminders-hint'),
  });
  const remindersElement = h(
    'div',
    { class: 'field' },
    h('label', { class: 'check', for: id('reminders') }, reminders, ' Mail reminders before the session'),
    h(
      'p',
      { class: 'hint', id: id('reminders-hint') },
      'The mentor and every mentee get an email before the start (by default a day and an hour before), with the meeting link and the calendar entry.',
    ),
  );
  return { reminders, remindersElement };
}

/** The date, time and zone as one group, with the same moment in the other zone beside them as a check. */
function whenGroup(id, { date, time, timeZone }) {
  const preview = h('p', { class: 'hint', id: id('when-preview') });
  function updatePreview() {
    const startsAt = startsAtFrom(date.value, time.value, timeZone.value);
    if (!startsAt) {
      preview.textContent = '';
      return;
    }
    const other = timeZone.value === 'UTC' ? 'IST' : 'UTC';
    preview.textContent = `That is ${formatDateTime(startsAt, sessionZone(other))} ${other}.`;
  }
  for (const control of [date, time, timeZone]) control.addEventListener('input', updatePreview);
  updatePreview();

  const when = group({
    id: id('when'),
    legend: 'Date and time',
    hint: 'The start in the session’s time zone: date as DD-MM-YYYY, time on a 24-hour clock (17:00 for 5 pm).',
    controls: [date, time, timeZone],
    parts: [
      field({
        label: 'Date (DD-MM-YYYY)',
        control: date,
        widget: datePicker(date, { label: 'the session date' }).element,
      }).element,
      field({ label: 'Time (24 hrs)', control: time }).element,
      field({ label: 'Time zone', control: timeZone }).element,
    ],
  });
  when.element.append(preview);
  return when;
}

/** Each field registered with `errors` under the API's name(s) for it. */
function registerFields(errors, { editing, controls, pickers, when }) {
  const { title, description, duration, seatsLimit } = controls;
  const { recommendedFor, categories, medium } = pickers;
  return {
    title: errors.add(
      'title',
      field({ label: 'Title', control: title, hint: 'The topic of the session, up to 200 characters.' }),
    ),
    description: errors.add('description', field({ label: 'Description', control: description })),
    startsAt: errors.add(['startsAt', 'timeZone'], when),
    duration: errors.add(
      'durationMinutes',
      field({
        label: 'Duration (minutes)',
        control: duration,
        hint: 'Whole minutes, from 30 to 1440, for example 60.',
      }),
    ),
    recommendedFor: errors.add(
      'recommendedFor',
      pickerField('Recommended for', recommendedFor, 'One or more of your organisation’s list; type to find them.'),
    ),
    categories: errors.add(
      'categories',
      pickerField('Categories', categories, 'One or more of your organisation’s list; type to find them.'),
    ),
    medium: errors.add(
      'medium',
      pickerField('Medium', medium, 'The language the session is held in, from your organisation’s list.'),
    ),
    seatsLimit: errors.add(
      'seatsLimit',
      field({
        label: 'Seats limit',
        control: seatsLimit,
        hint: editing
          ? 'Invited plus enrolled mentees cannot be more than this.'
          : 'Leave empty for the organisation’s default (20).',
      }),
    ),
  };
}

/**
 * The detail fields, registered with `errors` (a FormErrors) under the API's field names.
 * `session` gives the starting values (edit); without it the fields start empty (create).
 * Returns { element, read() } where read() gives { values, problems } — `problems` are what cannot
 * even be sent (in edit, an emptied date or duration), as [{ field, message }].
 */
export function detailFields({ idPrefix, session = null, errors }) {
  const editing = Boolean(session);
  const zone = session ? session.timeZone : 'IST';
  const id = (name) => `${idPrefix}-${name}`;

  const title = textInput(id('title'), session?.title, { maxlength: '200', autocomplete: 'off' });
  const description = h('textarea', { id: id('description'), rows: '4', maxlength: '5000' });
  description.value = session?.description ?? '';
  const { date, time, timeZone } = whenControls(id, session, zone);
  const duration = numberInput(id('duration'), session?.durationMinutes, { min: '30', max: '1440' });
  const { recommendedFor, categories, medium } = vocabularyPickers(id, session);
  const seatsLimit = numberInput(id('seats-limit'), session?.seatsLimit, { min: '1', max: '1000' });
  const { reminders, remindersElement } = remindersField(id, session);

  const when = whenGroup(id, { date, time, timeZone });

  const fields = registerFields(errors, {
    editing,
    controls: { title, description, duration, seatsLimit },
    pickers: { recommendedFor, categories, medium },
    when,
  });

  const element = h(
    'div',
    { class: 'form-fields' },
    fields.title.element,
    fields.description.element,
    when.element,
    h('div', { class: 'field-row' }, fields.duration.element, fields.seatsLimit.element),
    fields.recommendedFor.element,
    fields.categories.element,
    fields.medium.element,
    remindersElement,
  );

  function read() {
    const problems = [];
    const startsAt = startsAtFrom(date.value, time.value, timeZone.value);
    const startMessage = startProblem(date.value, time.value, editing);
    if (startMessage) problems.push({ field: 'startsAt', message: startMessage });
    const minutes = wholeNumber(duration.value);
    if (Number.isNaN(minutes) || (editing && minutes === null)) {
      problems.push({ field: 'durationMinutes', message: 'Enter the duration in whole minutes, for example 60.' });
    }
    const seats = wholeNumber(seatsLimit.value);
    if (Number.isNaN(seats) || (editing && seats === null)) {
      problems.push({ field: 'seatsLimit', message: 'Enter the seats limit as a whole number, for example 20.' });
    }
    return {
      problems,
      values: {
        title: title.value,
        description: description.value,
        startsAt,
        timeZone: timeZone.value,
        durationMinutes: Number.isNaN(minutes) ? null : minutes,
        recommendedFor: recommendedFor.read(),
        categories: categories.read(),
        medium: medium.read(),
        seatsLimit: Number.isNaN(seats) ? null : seats,
        remindersEnabled: reminders.checked,
      },
    };
  }

  const write = detailWriter(
    { title, description, date, time, timeZone, duration, seatsLimit, reminders },
    { recommendedFor, categories, medium },
  );
  return { element, read, write, fields };
}

/** Puts one value, as `read` gives it, back into its controls (what someone else saved meanwhile). */
function detailWriter(controls, pickers) {
  const plain = {
    title: controls.title,
    description: controls.description,
    durationMinutes: controls.duration,
    seatsLimit: controls.seatsLimit,
  };
  return (key, value) => {
    if (key in plain) plain[key].value = value ?? '';
    else if (key === 'startsAt' && value) {
      const [day, clock] = value.split('T');
      controls.date.value = day.split('-').reverse().join('-');
      controls.time.value = clock.slice(0, 5);
    } else if (key === 'timeZone') controls.timeZone.value = value;
    else if (key === 'remindersEnabled') controls.reminders.checked = Boolean(value);
    else if (key === 'medium') pickers.medium.set(value ? [value] : []);
    else if (key in pickers) pickers[key].set(value || []);
    (plain[key] || controls.date).dispatchEvent(new Event('input', { bubbles: true }));
  };
}

/** A session's detail values as the form's `read` gives them, to compare with what the form holds. */
export function sessionValues(session) {
  const zone = session.timeZone;
  return {
    title: session.title,
    description: session.description,
    startsAt: startsAtFrom(dateInputValue(session.startsAt, zone), timeInputValue(session.startsAt, zone), zone),
    timeZone: zone,
    durationMinutes: session.durationMinutes,
    recommendedFor: session.recommendedFor,
    categories: session.categories,
    medium: session.medium,
    seatsLimit: session.seatsLimit,
    remindersEnabled: session.remindersEnabled !== false,
  };
}

export const DETAIL_LABELS = {
  title: 'Title',
  description: 'Description',
  startsAt: 'Date and time',
  timeZone: 'Time zone',
  durationMinutes: 'Duration',
  recommendedFor: 'Recommended for',
  categories: 'Categories',
  medium: 'Medium',
  seatsLimit: 'Seats limit',
  remindersEnabled: 'Reminders',
  platform: 'Meeting platform',
  link: 'Meeting link',
  passcode: 'Meeting passcode',
};

/** A form value as a person reads it: "05-12-2026 17:00 (UTC+05:30)", "Teachers, Head teachers", "On". */
export function valueText(key, value) {
  if (value === null || value === undefined || value === '' || (Array.isArray(value) && !value.length))
    return '(empty)';
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'boolean') return value ? 'On' : 'Off';
  if (key === 'startsAt') {
    const [day, clock] = value.split('T');
    return `${day.split('-').reverse().join('-')} ${clock.slice(0, 5)} (UTC${clock.slice(8)})`;
  }
  if (key === 'platform') return PLATFORM_LABELS[value] || value;
  return `“${value}”`;
}

/**
 * Platform, link and passcode. The link is asked for Google Meet and Zoom only (BigBlueButton makes
 * its room when the session starts), the passcode for Zoom only. `prefix` is how the API names the
 * fields in errors: 'meeting.' inside a session input, '' for updateMeeting.
 * Returns { element, read() } with read() → { platform, link, passcode }.
 */
export function meetingFields({ idPrefix, meeting = null, errors, prefix }) {
  const id = (name) => `${idPrefix}-${name}`;
  const current = meeting || { platform: 'BIG_BLUE_BUTTON', link: '', passcode: '' };
  const platform = h(
    'select',
    { id: id('platform') },
    Object.entries(PLATFORM_LABELS).map(([value, label]) =>
      h('option', { value, selected: value === current.platform }, label),
    ),
  );
  const link = h('input', {
    id: id('link'),
    type: 'url',
    value: current.link || '',
    autocomplete: 'off',
    inputmode: 'url',
  });
  const passcode = h('input', { id: id('passcode'), type: 'text', value: current.passcode || '', autocomplete: 'off' });

  const platformField = errors.add(`${prefix}platform`, field({ label: 'Meeting platform', control: platform }));
  const linkField = errors.add(
    `${prefix}link`,
    field({ label: 'Meeting link', control: link, hint: 'Paste the https link from Google Meet or Zoom.' }),
  );
  const passcodeField = errors.add(
    `${prefix}passcode`,
    field({ label: 'Meeting passcode', control: passcode, hint: 'Copy it from the Zoom invitation.' }),
  );
  const roomNote = h(
    'p',
    { class: 'hint', id: id('room-note') },
    'BigBlueButton needs no link: the room is made when the mentor starts the session.',
  );

  function sync() {
    const chosen = platform.value;
    linkField.element.hidden = chosen === 'BIG_BLUE_BUTTON';
    roomNote.hidden = chosen !== 'BIG_BLUE_BUTTON';
    passcodeField.element.hidden = chosen !== 'ZOOM';
  }
  platform.addEventListener('change', sync);
  sync();

  const element = h(
    'div',
    { class: 'form-fields' },
    platformField.element,
    roomNote,
    linkField.element,
    passcodeField.element,
  );

  function read() {
    const chosen = platform.value;
    return {
      platform: chosen,
      link: chosen === 'BIG_BLUE_BUTTON' ? '' : link.value.trim(),
      passcode: chosen === 'ZOOM' ? passcode.value.trim() : '',
    };
  }

  function write(key, value) {
    ({ platform, link, passcode })[key].value = value ?? '';
    sync();
  }

  return { element, read, write };
}

/** The fields of `next` whose value differs from `before` (compared as JSON), as a partial input. */
export function changedFields(before, next) {
  const changed = {};
  for (const [name, value] of Object.entries(next)) {
    if (JSON.stringify(value) !== JSON.stringify(before[name])) changed[name] = value;
  }
  return changed;
}
