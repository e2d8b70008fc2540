// The schedule editor's choices and the RRULE they stand for (RFC 5545, days only: the
// times of day are the window starts). The server checks the rule; this only writes it.

export type Weekday = 'MO' | 'TU' | 'WE' | 'TH' | 'FR' | 'SA' | 'SU';
export const WEEKDAYS: Weekday[] = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
const WORKDAYS: Weekday[] = ['MO', 'TU', 'WE', 'TH', 'FR'];

export type Repeat =
  | { kind: 'daily' }
  | { kind: 'weekdays' }
  | { kind: 'days'; days: Weekday[] }
  | { kind: 'weeks'; every: number; days: Weekday[] };

const inOrder = (days: Weekday[]) => WEEKDAYS.filter((d) => days.includes(d));

export function toRrule(repeat: Repeat): string {
  switch (repeat.kind) {
    case 'daily':
      return 'FREQ=DAILY';
    case 'weekdays':
      return `FREQ=WEEKLY;BYDAY=${WORKDAYS.join(',')}`;
    case 'days':
      return `FREQ=WEEKLY;BYDAY=${inOrder(repeat.days).join(',')}`;
    case 'weeks':
      return `FREQ=WEEKLY;INTERVAL=${repeat.every};BYDAY=${inOrder(repeat.days).join(',')}`;
  }
}

/** The editor's choice for a stored rule, or null for a rule the editor cannot show. */
export function fromRrule(rrule: string): Repeat | null {
  const parts = new Map(
    rrule
      .toUpperCase()
      .split(';')
      .filter(Boolean)
      .map((part) => part.split('=') as [string, string]),
  );
  const freq = parts.get('FREQ');
  const interval = Number(parts.get('INTERVAL') ?? '1');
  const days = (parts.get('BYDAY') ?? '').split(',').filter(Boolean) as Weekday[];
  const known = [...parts.keys()].every((key) => ['FREQ', 'INTERVAL', 'BYDAY'].includes(key));
  if (!known || !Number.isInteger(interval) || interval < 1 || days.some((d) => !WEEKDAYS.includes(d))) return null;
  if (freq === 'DAILY' && interval === 1 && days.length === 0) return { kind: 'daily' };
  if (freq !== 'WEEKLY' || days.length === 0) return null;
  if (interval > 1) return { kind: 'weeks', every: interval, days: inOrder(days) };
  if (days.length === 7) return { kind: 'daily' };
  const sorted = inOrder(days);
  if (sorted.join() === WORKDAYS.join()) return { kind: 'weekdays' };
  return { kind: 'days', days: sorted };
}

/** What is wrong with the choice, in Swedish, or null. */
export function repeatProblem(repeat: Repeat): string | null {
  if ((repeat.kind === 'days' || repeat.kind === 'weeks') && repeat.days.length === 0) return 'Välj minst en veckodag.';
  if (repeat.kind === 'weeks' && (!Number.isInteger(repeat.every) || repeat.every < 1 || repeat.every > 52)) {
    return 'Ange hur många veckor emellan, 1–52.';
  }
  return null;
}

const DAY_NAMES: Record<Weekday, string> = {
  MO: 'måndag',
  TU: 'tisdag',
  WE: 'onsdag',
  TH: 'torsdag',
  FR: 'fredag',
  SA: 'lördag',
  SU: 'söndag',
};

export function dayName(day: Weekday): string {
  return DAY_NAMES[day];
}

// Swedish ordinals: 2:a, 3:e, 21:a, but 11:e and 12:e.
function ordinal(n: number): string {
  const tail = n % 10;
  return `${n}:${(tail === 1 || tail === 2) && n % 100 !== 11 && n % 100 !== 12 ? 'a' : 'e'}`;
}

/** "Varje dag", "Vardagar", "Varje vecka: måndag, onsdag", "Varannan vecka: fredag" */
export function repeatText(rrule: string): string {
  const repeat = fromRrule(rrule);
  if (!repeat) return rrule;
  const days = (list: Weekday[]) => list.map(dayName).join(', ');
  switch (repeat.kind) {
    case 'daily':
      return 'Varje dag';
    case 'weekdays':
      return 'Vardagar (måndag–fredag)';
    case 'days':
      return `Varje vecka: ${days(repeat.days)}`;
    case 'weeks':
      return `${repeat.every === 2 ? 'Varannan' : `Var ${ordinal(repeat.every)}`} vecka: ${days(repeat.days)}`;
  }
}
