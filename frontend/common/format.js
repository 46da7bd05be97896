// How SessionDesk shows dates, times, durations and enum values: IST (Asia/Kolkata) unless told otherwise.

export const DISPLAY_ZONE = 'Asia/Kolkata';

// A session's own time zone (the SessionTimeZone enum) as an IANA zone.
const SESSION_ZONES = { IST: 'Asia/Kolkata', UTC: 'UTC' };

const partsFormatters = new Map();

function partsIn(iso, zone) {
  if (!partsFormatters.has(zone)) {
    partsFormatters.set(
      zone,
      new Intl.DateTimeFormat('en-GB', {
        timeZone: zone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }),
    );
  }
  const parts = {};
  for (const { type, value } of partsFormatters.get(zone).formatToParts(new Date(iso))) parts[type] = value;
  return parts;
}

/** DD-MM-YYYY in the given zone (IST by default). */
export function formatDate(iso, zone = DISPLAY_ZONE) {
  const p = partsIn(iso, zone);
  return `${p.day}-${p.month}-${p.year}`;
}

/** HH:MM, 24-hour, in the given zone (IST by default). */
export function formatTime(iso, zone = DISPLAY_ZONE) {
  const p = partsIn(iso, zone);
  return `${p.hour}:${p.minute}`;
}

export function formatDateTime(iso, zone = DISPLAY_ZONE) {
  return `${formatDate(iso, zone)} ${formatTime(iso, zone)}`;
}

export function sessionZone(timeZone) {
  return SESSION_ZONES[timeZone] || DISPLAY_ZONE;
}

/** 45 → "45 min", 90 → "1 h 30 min", 120 → "2 h". */
export function formatDuration(minutes) {
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
}

export const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
export const STATUS_LABELS = { UPCOMING: 'Upcoming', LIVE: 'Live', COMPLETED: 'Completed' };
export const TYPE_LABELS = { PUBLIC: 'Public', PRIVATE: 'Private' };
export const PLATFORM_LABELS = { BIG_BLUE_BUTTON: 'BigBlueButton', GOOGLE_MEET: 'Google Meet', ZOOM: 'Zoom' };
export const ATTENDANCE_LABELS = { ENROLLED: 'Enrolled', INVITED: 'Invited' };

/** "1 mentee", "3 mentees". */
export function plural(count, one, many = `${one}s`) {
  return `${count} ${count === 1 ? one : many}`;
}
