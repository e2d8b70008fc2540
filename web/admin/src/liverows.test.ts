import { describe, expect, it } from 'vitest';
import type { AlarmFieldsFragment, LiveAlarmFieldsFragment } from '@shared/gql/graphql';
import { applyEvent, lacksNames, namesOf } from './liverows';

const names = namesOf({
  tenants: [{ id: 't1', name: 'Greta Holm', interventions: [{ id: 'i1', title: 'Tillsyn' }] }],
  users: [{ id: 'u1', name: 'Anna Berg' }],
});

function live(id: string, raisedAt: string, state: 'OPEN' | 'ACKNOWLEDGED' = 'OPEN'): LiveAlarmFieldsFragment {
  return {
    id,
    kind: 'DEVIATING',
    state,
    raisedAt,
    overdue: false,
    escalatedAt: null,
    windowStart: null,
    windowEnd: null,
    signedAt: null,
    performedAt: null,
    acknowledgedAt: null,
    outcome: null,
    comment: null,
    signatureAnnulled: false,
    retrospective: false,
    signatureLagSeconds: null,
    documentationConfirmed: false,
    signingStatus: 'NOT_HOME',
    tenant: { id: 't1' },
    intervention: { id: 'i1' },
    signedBy: { id: 'u1' },
    acknowledgedBy: null,
  };
}

describe('the overview applying live events', () => {
  it('makes a row with the names and keeps the newest first', () => {
    const first = applyEvent([], live('a', '2026-12-03T08:00:00Z'), names, 20);
    const rows = applyEvent(first, live('b', '2026-12-03T09:00:00Z'), names, 20);
    expect(rows.map((r) => r.id)).toEqual(['b', 'a']);
    expect(rows[0]).toMatchObject({ tenant: { name: 'Greta Holm' }, intervention: { title: 'Tillsyn' }, signedBy: { name: 'Anna Berg' } });
  });

  it('puts a late event in its place by when it was raised', () => {
    let rows: AlarmFieldsFragment[] = [];
    for (const [id, at] of [['new', '2026-12-03T10:00:00Z'], ['old', '2026-12-03T07:00:00Z']] as const) {
      rows = applyEvent(rows, live(id, at), names, 20);
    }
    expect(rows.map((r) => r.id)).toEqual(['new', 'old']);
  });

  it('removes a handled alarm, keeps the note the feed does not carry, and keeps at most n', () => {
    const withNote = { ...applyEvent([], live('a', '2026-12-03T08:00:00Z'), names, 20)[0]!, signature: { id: 's', note: 'Ingen öppnade', timing: null, caseReference: null } };
    const updated = applyEvent([withNote], live('a', '2026-12-03T08:00:00Z'), names, 20);
    expect(updated[0]!.signature?.note).toBe('Ingen öppnade');
    expect(applyEvent(updated, live('a', '2026-12-03T08:00:00Z', 'ACKNOWLEDGED'), names, 20)).toEqual([]);
    const many = ['1', '2', '3'].reduce((rows, n) => applyEvent(rows, live(n, `2026-12-03T0${n}:00:00Z`), names, 2), [] as AlarmFieldsFragment[]);
    expect(many.map((r) => r.id)).toEqual(['3', '2']);
  });

  it('knows when a name is missing', () => {
    expect(lacksNames(live('a', '2026-12-03T08:00:00Z'), names)).toBe(false);
    expect(lacksNames({ ...live('a', '2026-12-03T08:00:00Z'), tenant: { id: 't2' } }, names)).toBe(true);
  });
});
