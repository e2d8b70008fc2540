import { describe, expect, it } from 'vitest';
import { fromRrule, repeatProblem, repeatText, toRrule, type Repeat } from './rrule';

describe('the schedule editor and RRULE', () => {
  const cases: [Repeat, string][] = [
    [{ kind: 'daily' }, 'FREQ=DAILY'],
    [{ kind: 'weekdays' }, 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR'],
    [{ kind: 'days', days: ['WE', 'MO'] }, 'FREQ=WEEKLY;BYDAY=MO,WE'],
    [{ kind: 'weeks', every: 2, days: ['FR'] }, 'FREQ=WEEKLY;INTERVAL=2;BYDAY=FR'],
  ];

  it.each(cases)('writes %j as %s and reads it back', (repeat, rrule) => {
    expect(toRrule(repeat)).toBe(rrule);
    const back = fromRrule(rrule);
    expect(back).toEqual(repeat.kind === 'days' ? { kind: 'days', days: ['MO', 'WE'] } : repeat);
  });

  it('reads a weekly rule on every day as daily', () => {
    expect(fromRrule('FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU')).toEqual({ kind: 'daily' });
  });

  it('does not pretend to show a rule it cannot edit', () => {
    expect(fromRrule('FREQ=MONTHLY;BYMONTHDAY=1')).toBeNull();
    expect(fromRrule('FREQ=WEEKLY;BYDAY=XX')).toBeNull();
    expect(repeatText('FREQ=MONTHLY;BYMONTHDAY=1')).toBe('FREQ=MONTHLY;BYMONTHDAY=1');
  });

  it('asks for a weekday and a sensible interval', () => {
    expect(repeatProblem({ kind: 'days', days: [] })).toMatch(/veckodag/);
    expect(repeatProblem({ kind: 'weeks', every: 0, days: ['MO'] })).toMatch(/1–52/);
    expect(repeatProblem({ kind: 'weeks', every: 3, days: ['MO'] })).toBeNull();
  });

  it('says the rule in Swedish', () => {
    expect(repeatText('FREQ=DAILY')).toBe('Varje dag');
    expect(repeatText('FREQ=WEEKLY;INTERVAL=2;BYDAY=FR')).toBe('Varannan vecka: fredag');
    expect(repeatText('FREQ=WEEKLY;INTERVAL=3;BYDAY=MO,FR')).toBe('Var 3:e vecka: måndag, fredag');
    expect(repeatText('FREQ=WEEKLY;INTERVAL=22;BYDAY=MO')).toBe('Var 22:a vecka: måndag');
  });
});
