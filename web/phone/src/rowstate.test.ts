import { describe, expect, it } from 'vitest';
import type { QueuedSigning } from './queue';
import { rowState } from './rowstate';

const occurrence = { windowStart: '2026-12-03T08:00:00Z', windowEnd: '2026-12-03T09:00:00Z', signature: null };
const at = (iso: string) => Date.parse(iso);
const item = (state: QueuedSigning['state'], extra: Partial<QueuedSigning> = {}): QueuedSigning => ({
  key: 'k',
  userId: 'anna',
  unitId: 'u',
  kind: 'occurrence',
  targetId: 'o',
  status: 'DONE',
  note: null,
  performedAt: '2026-12-03T08:10:00+01:00',
  queuedAt: at('2026-12-03T08:10:00Z'),
  state,
  attempts: 0,
  nextAttemptAt: 0,
  ...extra,
});

describe('a row of the day list', () => {
  it('is kommande before its window, pågår in it and försenad after it', () => {
    expect(rowState(occurrence, undefined, at('2026-12-03T07:59:59Z')).kind).toBe('upcoming');
    expect(rowState(occurrence, undefined, at('2026-12-03T08:00:00Z')).kind).toBe('ongoing');
    expect(rowState(occurrence, undefined, at('2026-12-03T09:00:00Z')).kind).toBe('overdue');
  });

  it('shows the signature with its status and timing', () => {
    const signed = {
      ...occurrence,
      signature: { id: 's', status: 'NOT_HOME' as const, timing: 'LATE' as const, signedAt: '2026-12-03T09:05:00Z', signedBy: { id: 'bo', name: 'Bo' } },
    };
    const state = rowState(signed, undefined, at('2026-12-03T10:00:00Z'));
    expect(state).toMatchObject({ kind: 'signed', signed: { status: 'NOT_HOME', timing: 'LATE', signedByName: 'Bo' } });
  });

  it('waits while the phone has it queued, even past its window', () => {
    expect(rowState(occurrence, item('pending'), at('2026-12-03T10:00:00Z')).kind).toBe('waiting');
  });

  it('is signed as soon as the server accepted it, before the list shows it', () => {
    const accepted = item('accepted', { signatureId: 's1', answeredAt: at('2026-12-03T08:10:01Z') });
    expect(rowState(occurrence, accepted, at('2026-12-03T08:10:02Z'), at('2026-12-03T08:10:02Z'))).toMatchObject({
      kind: 'signed',
      signed: { signatureId: 's1' },
    });
  });

  it('is open again when a list read well after the answer shows no signature (annulled)', () => {
    const accepted = item('accepted', { signatureId: 's1', answeredAt: at('2026-12-03T08:10:01Z') });
    expect(rowState(occurrence, accepted, at('2026-12-03T08:30:00Z'), at('2026-12-03T08:30:00Z')).kind).toBe('ongoing');
  });

  it('shows a conflict and a refusal', () => {
    expect(rowState(occurrence, item('conflict'), 0).kind).toBe('conflict');
    expect(rowState(occurrence, item('refused'), 0).kind).toBe('refused');
  });
});
