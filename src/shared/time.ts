/**
 * One clock and one time-zone rule. Times enter Safir as text (a form's
 * `datetime-local` field, an API's ISO 8601, an import's date) and are parsed
 * here, strictly, into one form: an ISO 8601 UTC string with milliseconds
 * (`2026-11-26T06:30:00.000Z`). Only such strings are stored, so the database
 * can compare and sort them as text. Rendering goes the other way through
 * `instant()`, which never throws: a bad value already stored shows as no
 * date rather than taking a page down.
 */

/** Years a newsroom's dates may carry: four digits. */
const MIN_YEAR = 1000;
const MAX_YEAR = 9999;

const WITH_OFFSET =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)$/;
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?$/;

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
}

function fieldsOf(m: RegExpExecArray): Fields | undefined {
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as number[];
  const ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  const f = { year: year!, month: month!, day: day!, hour: hour!, minute: minute!, second: second!, ms };
  if (f.year < MIN_YEAR || f.year > MAX_YEAR || f.month < 1 || f.month > 12 || f.day < 1) return undefined;
  if (f.day > new Date(Date.UTC(f.year, f.month, 0)).getUTCDate()) return undefined; // 30 February
  if (f.hour > 23 || f.minute > 59 || f.second > 59) return undefined;
  return f;
}

const wallClock = (f: Fields) => {
  const d = new Date(0);
  d.setUTCFullYear(f.year, f.month - 1, f.day);
  d.setUTCHours(f.hour, f.minute, f.second, f.ms);
  return d.getTime();
};

function offsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * Parses a time as people and programs write it: ISO 8601 with `Z` or an
 * offset (`2026-11-26T09:00:00+03:00`), or a wall-clock time without one
 * (`2026-11-26T09:00`, what a `datetime-local` field sends), read in
 * `timeZone`. Returns the UTC instant as an ISO string, or undefined for
 * anything else: other formats, impossible dates, years outside 1000–9999.
 */
export function parseInstant(text: string, timeZone: string): string | undefined {
  const value = text.trim();
  const zoned = WITH_OFFSET.exec(value);
  if (zoned) {
    const f = fieldsOf(zoned);
    if (!f) return undefined;
    const tz = zoned[8]!;
    let offset = 0;
    if (tz !== 'Z' && tz !== 'z') {
      const sign = tz.startsWith('-') ? -1 : 1;
      const digits = tz.slice(1).replace(':', '');
      const hours = Number(digits.slice(0, 2));
      const minutes = Number(digits.slice(2) || 0);
      if (hours > 14 || minutes > 59) return undefined;
      offset = sign * (hours * 60 + minutes) * 60_000;
    }
    return new Date(wallClock(f) - offset).toISOString();
  }
  const local = LOCAL.exec(value);
  if (local) {
    const f = fieldsOf(local);
    return f ? zonedToUtc(f, timeZone) : undefined;
  }
  return undefined;
}

/**
 * A wall-clock time in `timeZone` as an instant. Around a daylight-saving change a wall time can happen twice
 * (the hour repeated in autumn: the earlier is meant, as a newsroom would read "01:30" before the clocks go
 * back) or not at all (the hour skipped in spring: it is read with the offset before the change, so 01:30 in a
 * skipped hour is 02:30 after it). This is what Temporal calls `disambiguation: 'compatible'`.
 */
function zonedToUtc(f: Fields, timeZone: string): string {
  const wall = wallClock(f);
  // No zone changes its offset twice within a day: the offsets half a day either side are the only candidates.
  const before = offsetMs(wall - 12 * 3600_000, timeZone);
  const after = offsetMs(wall + 12 * 3600_000, timeZone);
  const real = [wall - before, wall - after].filter((instant) => offsetMs(instant, timeZone) === wall - instant);
  return new Date(real.length ? Math.min(...real) : wall - before).toISOString();
}

/** Whether `value` is a stored instant in the one form Safir writes. */
export function isInstant(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(value) &&
    new Date(value).toISOString() === value
  );
}

/** A stored time for display: its Date, or undefined when the value is not a readable time. Never throws. */
export function instant(value: string | null | undefined): Date | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** ISO UTC → `2026-11-26T14:30` in `timeZone`, for a `datetime-local` field's value ('' for an unreadable one). */
export function utcToZoned(iso: string, timeZone: string): string {
  const d = instant(iso);
  if (!d) return '';
  const wall = new Date(d.getTime() + offsetMs(d.getTime(), timeZone));
  return wall.toISOString().slice(0, 16);
}

/** The current instant in the stored form. */
export function nowIso(now = Date.now()): string {
  return new Date(now).toISOString();
}
