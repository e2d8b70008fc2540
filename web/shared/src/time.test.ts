import { describe, expect, it } from 'vitest';
import { instantOf, wallTimeOf } from './time';

const STOCKHOLM = 'Europe/Stockholm';

describe('wall times in the unit timezone', () => {
  it('reads a winter and a summer time with their own offsets', () => {
    expect(instantOf('2026-12-03T08:00', STOCKHOLM)).toBe('2026-12-03T07:00:00.000Z');
    expect(instantOf('2026-06-01T08:00', STOCKHOLM)).toBe('2026-06-01T06:00:00.000Z');
  });

  it('moves a time in the spring-forward gap forward', () => {
    expect(instantOf('2026-03-29T02:30', STOCKHOLM)).toBe('2026-03-29T01:30:00.000Z');
  });

  it('takes the first of a repeated hour', () => {
    expect(instantOf('2026-10-25T02:30', STOCKHOLM)).toBe('2026-10-25T00:30:00.000Z');
  });

  it('does not depend on the browser zone', () => {
    expect(instantOf('2026-12-03T08:00', 'America/New_York')).toBe('2026-12-03T13:00:00.000Z');
    expect(wallTimeOf('2026-12-03T13:00:00Z', 'America/New_York')).toBe('2026-12-03T08:00');
  });
});
