// Times are shown in the unit's timezone, on a 24-hour clock, whatever the phone is set to.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = timeZone + JSON.stringify(options);
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('sv-SE', { timeZone, hourCycle: 'h23', ...options });
    formatters.set(key, f);
  }
  return f;
}

/** "08:05" */
export function clock(iso: string, timeZone: string): string {
  return formatter(timeZone, { hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

/** "08:00–09:00" */
export function windowText(start: string, end: string, timeZone: string): string {
  return `${clock(start, timeZone)}–${clock(end, timeZone)}`;
}

/** "3 dec 08:05" */
export function dayAndClock(iso: string, timeZone: string): string {
  return formatter(timeZone, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }).format(
    new Date(iso),
  );
}

/** "3 dec" */
export function shortDay(iso: string, timeZone: string): string {
  return formatter(timeZone, { day: 'numeric', month: 'short' }).format(new Date(iso));
}

/** The unit's local date of an instant, "2026-12-03". */
export function localDate(at: Date, timeZone: string): string {
  const parts = formatter(timeZone, { year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

// How far the zone's wall clock is ahead of UTC at an instant, in ms.
function offsetAt(instant: number, timeZone: string): number {
  const parts = formatter(timeZone, {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant of a wall time in the unit's timezone ("2026-12-03T08:00" → ISO with Z), whatever
 * the browser's own zone. A time in a spring-forward gap moves forward, as windows do.
 */
export function instantOf(wallTime: string, timeZone: string): string {
  const [date = '', time = '00:00'] = wallTime.split('T');
  const [y, m, d] = date.split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  const asUtc = Date.UTC(y!, m! - 1, d!, hh!, mm!);
  // The offsets a day before and after; in a repeated hour both fit and the first counts, in
  // a gap neither fits and the later one moves the time forward.
  const day = 86_400_000;
  const candidates = [asUtc - offsetAt(asUtc - day, timeZone), asUtc - offsetAt(asUtc + day, timeZone)].sort((a, b) => a - b);
  const fits = candidates.filter((at) => at + offsetAt(at, timeZone) === asUtc);
  return new Date(fits.length > 0 ? fits[0]! : candidates[candidates.length - 1]!).toISOString();
}

/** The wall time of an instant in the unit's timezone, as a datetime-local field wants it. */
export function wallTimeOf(iso: string, timeZone: string): string {
  return `${localDate(new Date(iso), timeZone)}T${clock(iso, timeZone)}`;
}

/** A local date moved by whole days ("2026-12-03", -1 → "2026-12-02"). */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** "torsdag 3 december" */
export function dayName(date: string): string {
  return new Intl.DateTimeFormat('sv-SE', { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' }).format(
    new Date(`${date}T12:00:00Z`),
  );
}

/** The device's time now as ISO 8601 with its own UTC offset, as signing wants `performedAt`. */
export function nowWithOffset(now: Date = new Date()): string {
  const offsetMinutes = -now.getTimezoneOffset();
  const sign = offsetMinutes >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  const pad = (n: number) => String(n).padStart(2, '0');
  const local = new Date(now.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 23);
  return `${local}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** "för 5 minuter sedan" */
export function ago(fromMs: number, nowMs: number = Date.now()): string {
  const minutes = Math.max(0, Math.round((nowMs - fromMs) / 60_000));
  if (minutes < 1) return 'nyss';
  if (minutes < 60) return `för ${minutes} ${minutes === 1 ? 'minut' : 'minuter'} sedan`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `för ${hours} ${hours === 1 ? 'timme' : 'timmar'} sedan`;
  return `för ${Math.round(hours / 24)} dagar sedan`;
}
