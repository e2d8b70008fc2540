import { describe, expect, it } from 'vitest';
import { failure, reasonText } from './errors';

describe("the server's reasons in Swedish", () => {
  it('says a known reason with its figure', () => {
    expect(reasonText('BAD_USER_INPUT', 'a report covers at most 366 days')).toBe(
      'En rapport omfattar högst 366 dagar. Välj en kortare period.',
    );
    expect(reasonText('CONFLICT', 'somebody else acknowledged the alarm a moment ago')).toMatch(/redan kvitterat/);
  });

  it('falls back on what the code means, never the English', () => {
    expect(reasonText('BAD_USER_INPUT', 'something new')).toBe('Uppgifterna godtogs inte. Rätta och försök igen.');
    expect(reasonText('NOT_FOUND', 'the alarm already has a deviation report')).toBe('Det finns inte längre. Ladda om listan.');
  });

  it('keeps a refusal final and a service away retryable', () => {
    expect(failure('CONFLICT').retryable).toBe(false);
    expect(failure('SERVICE_UNAVAILABLE').retryable).toBe(true);
  });
});
