// Times in the viewer's own zone, with the UTC time on hover (a <time> element's title).

const HOUR_MS = 3600 * 1000;
const DAY_MS = 24 * HOUR_MS;

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });
const hourFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const shortHourFormat = new Intl.DateTimeFormat(undefined, { hour: 'numeric' });
const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export function parseTime(value) {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value !== 'string' || !value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

// "2026-12-07 08:00:00 UTC"
export function formatUtc(value) {
  const date = parseTime(value);
  return date ? `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC` : '';
}

// style: 'datetime' (default), 'time' (time of day only), 'relative' ("5 minutes ago")
export function formatLocal(value, style = 'datetime') {
  const date = parseTime(value);
  if (!date) return '—';
  if (style === 'time') return timeFormat.format(date);
  if (style === 'relative') return relative(date);
  return dateTimeFormat.format(date);
}

// A <time> element: the viewer's local time as text, UTC in the title for hover.
export function timeEl(value, style = 'datetime') {
  const date = parseTime(value);
  const el = document.createElement('time');
  if (!date) {
    el.textContent = '—';
    return el;
  }
  el.dateTime = date.toISOString();
  el.title = style === 'relative' ? `${dateTimeFormat.format(date)} (${formatUtc(date)})` : formatUtc(date);
  el.textContent = formatLocal(date, style);
  return el;
}

function relative(date) {
  const seconds = Math.round((date.getTime() - Date.now()) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 60) return relativeFormat.format(seconds, 'second');
  if (abs < 3600) return relativeFormat.format(Math.round(seconds / 60), 'minute');
  if (abs < 86400) return relativeFormat.format(Math.round(seconds / 3600), 'hour');
  return relativeFormat.format(Math.round(seconds / 86400), 'day');
}

// "08:00" in the viewer's zone: tooltips.
export function formatHour(value) {
  const date = parseTime(value);
  return date ? hourFormat.format(date) : '';
}

// "8 AM" / "08" in the viewer's zone, minutes only where the zone needs them: chart labels.
export function formatHourShort(value) {
  const date = parseTime(value);
  if (!date) return '';
  return date.getMinutes() ? hourFormat.format(date) : shortHourFormat.format(date);
}

// The viewer's local day around `now`: [start, end) as Dates (23 or 25 hours across DST).
export function localDay(now = new Date()) {
  const start = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const end = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1);
  return { start, end };
}

// The UTC hours that overlap [start, end): one Date per hour, each on a UTC hour boundary.
export function utcHoursCovering(start, end) {
  const hours = [];
  for (let t = Math.floor(start.getTime() / HOUR_MS) * HOUR_MS; t < end.getTime(); t += HOUR_MS) {
    hours.push(new Date(t));
  }
  return hours;
}

// The last `count` whole UTC hours up to and including the current one.
export function lastUtcHours(count, now = new Date()) {
  const current = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  return Array.from({ length: count }, (_, i) => new Date(current - (count - 1 - i) * HOUR_MS));
}

// "YYYY-MM-DD" of a Date in UTC, and in the viewer's zone (for <input type=date>).
export function utcDate(date) {
  return date.toISOString().slice(0, 10);
}

export function localDate(date = new Date()) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

export function daysAgo(days, now = new Date()) {
  return new Date(now.getTime() - days * DAY_MS);
}

// RFC 3339 in UTC without fractions: "2026-12-07T08:00:00Z".
export function toRfc3339(date) {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// The value of an <input type=datetime-local> (the viewer's wall clock) as RFC 3339 UTC.
export function datetimeLocalToUtc(value) {
  const date = value ? new Date(value) : null; // no zone in the string: local time
  return date && !Number.isNaN(date.getTime()) ? toRfc3339(date) : null;
}

// An <input type=datetime-local> value for a Date in the viewer's zone.
export function toDatetimeLocal(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${localDate(date)}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

// The key of a UTC hour ("2026-12-07T08") to match stats rows, whatever their precision.
export function hourKey(value) {
  const date = parseTime(value);
  return date ? date.toISOString().slice(0, 13) : '';
}

// The viewer's zone name, for notes like "times in Europe/Berlin".
export function viewerZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';
}
