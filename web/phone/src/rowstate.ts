// What a row of the day list says at a glance: its window against the clock, its signature,
// and what the phone still has queued for it.
import type { QueuedSigning } from './queue';

export type Signed = {
  status: QueuedSigning['status'];
  timing?: 'ON_TIME' | 'EARLY' | 'LATE' | null;
  signatureId?: string;
  signedById?: string;
  signedByName?: string;
  signedAt?: string;
  note?: string | null;
  documentedAt?: string | null;
};

export type RowState =
  | { kind: 'upcoming' }
  | { kind: 'ongoing' }
  /** The window is over and nothing is signed. */
  | { kind: 'overdue' }
  /** Tapped, stored on the phone, not yet answered. */
  | { kind: 'waiting'; item: QueuedSigning }
  | { kind: 'signed'; signed: Signed; item?: QueuedSigning }
  | { kind: 'conflict'; item: QueuedSigning }
  | { kind: 'refused'; item: QueuedSigning };

export type OccurrenceLike = {
  windowStart: string;
  windowEnd: string;
  signature?: {
    id: string;
    status: Signed['status'];
    timing?: Signed['timing'];
    signedAt: string;
    note?: string | null;
    documentedAt?: string | null;
    signedBy: { id: string; name: string };
  } | null;
};

// The day list learns of a signature through events, a moment after signing answered.
const LIST_LAG_MS = 15_000;

/**
 * `listFetchedAt`: when the day list was read. An accepted signing that a list read well after
 * it does not show has been annulled since.
 */
export function rowState(
  occurrence: OccurrenceLike,
  queued: QueuedSigning | undefined,
  nowMs: number,
  listFetchedAt = 0,
): RowState {
  if (queued?.state === 'pending') return { kind: 'waiting', item: queued };
  if (queued?.state === 'conflict') return { kind: 'conflict', item: queued };
  if (queued?.state === 'refused') return { kind: 'refused', item: queued };
  const signature = occurrence.signature;
  if (signature) {
    return {
      kind: 'signed',
      signed: {
        status: signature.status,
        timing: signature.timing ?? null,
        signatureId: signature.id,
        signedById: signature.signedBy.id,
        signedByName: signature.signedBy.name,
        signedAt: signature.signedAt,
        note: signature.note ?? null,
        documentedAt: signature.documentedAt ?? null,
      },
      ...(queued ? { item: queued } : {}),
    };
  }
  if (queued?.state === 'accepted' && listFetchedAt - (queued.answeredAt ?? 0) < LIST_LAG_MS) {
    // Answered, and the list not fetched again yet: signed, as the server said.
    return {
      kind: 'signed',
      signed: { status: queued.status, note: queued.note, signatureId: queued.signatureId!, documentedAt: null },
      item: queued,
    };
  }
  if (nowMs < Date.parse(occurrence.windowStart)) return { kind: 'upcoming' };
  if (nowMs < Date.parse(occurrence.windowEnd)) return { kind: 'ongoing' };
  return { kind: 'overdue' };
}
