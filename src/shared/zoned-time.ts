/**
 * Wall-clock times in the site's time zone (what an editor types into a
 * `datetime-local` field) to and from UTC instants, with `Intl` only.
 */
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

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

/** `2026-11-26T14:30` in `timeZone` → ISO UTC, or undefined when the text is not such a time. */
export function zonedToUtc(local: string, timeZone: string): string | undefined {
  const m = LOCAL.exec(local.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const wall = Date.UTC(y!, mo! - 1, d!, h!, mi!, s || 0);
  if (Number.isNaN(wall) || new Date(wall).getUTCDate() !== d) return undefined;
  // Two passes settle the offset across a daylight-saving change.
  let instant = wall - offsetMs(wall, timeZone);
  instant = wall - offsetMs(instant, timeZone);
  return new Date(instant).toISOString();
}

/** ISO UTC → `2026-11-26T14:30` in `timeZone`, for a `datetime-local` field's value. */
export function utcToZoned(iso: string, timeZone: string): string {
  const instant = Date.parse(iso);
  const wall = new Date(instant + offsetMs(instant, timeZone));
  return wall.toISOString().slice(0, 16);
}
