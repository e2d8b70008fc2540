// Signings made on the phone, from the tap until the server has answered them.
//
// Every signing goes through here, online or not: the item (with its idempotency key and the
// phone's time, both made at the tap) is written to IndexedDB before anything is sent, and
// leaves the queue only when the server answered it with a signature or a final refusal. A
// retry sends the same key, so one tap is one signature however often it is sent. Items
// belong to the user who made them; another user signed in on the phone never sends them.
import { database, type QueuedSigning } from '@shared/database';
import { exclusively } from '@shared/locks';
import { nowWithOffset } from '@shared/time';

export type { QueuedSigning };

/** What the server said of one item. */
export type Outcome =
  | { type: 'accepted'; signatureId: string }
  | { type: 'conflict'; code: string; text: string; signedBy: string; signedAt: string }
  | { type: 'refused'; code: string; text: string }
  /** Not now (offline, a service away): keep it and try again later. */
  | { type: 'retry' };

/** Sends items and says what became of each (an item missing from the map is retried). */
export type Sender = (items: QueuedSigning[]) => Promise<Map<string, Outcome>>;

export interface QueueStore {
  all(userId: string): Promise<QueuedSigning[]>;
  put(item: QueuedSigning): Promise<void>;
  delete(key: string): Promise<void>;
}

export const indexedDbQueueStore: QueueStore = {
  async all(userId) {
    return (await database()).getAllFromIndex('signings', 'byUser', userId);
  },
  async put(item) {
    await (await database()).put('signings', item);
  },
  async delete(key) {
    await (await database()).delete('signings', key);
  },
};

export type NewSigning = Pick<QueuedSigning, 'unitId' | 'kind' | 'targetId' | 'status' | 'note'>;

export const MAX_BATCH = 200; // syncSignatures takes at most this many
const FIRST_RETRY_MS = 2_000;
const LONGEST_RETRY_MS = 60_000;
// An accepted item is kept this long to show its answer; by then the day list shows the signature.
const KEEP_ACCEPTED_MS = 10 * 60_000;

/**
 * The wait before the next try: doubling from 2 s to at most a minute, spread by ±50 % so
 * phones that lost the same service do not all come back in the same second.
 */
export function retryDelay(attempts: number, random: () => number = Math.random): number {
  const base = Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.5 + random()));
}

export class SigningQueue {
  private items = new Map<string, QueuedSigning>();
  private readonly listeners = new Set<() => void>();
  private snapshot: QueuedSigning[] = [];
  private flushing: Promise<void> | null = null;
  private again = false;

  constructor(
    readonly userId: string,
    private readonly send: Sender,
    private readonly store: QueueStore = indexedDbQueueStore,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The user's items, oldest first (the same array until something changes). */
  list = (): QueuedSigning[] => this.snapshot;

  waiting(): QueuedSigning[] {
    return this.snapshot.filter((item) => item.state === 'pending');
  }

  private changed(): void {
    this.snapshot = [...this.items.values()].sort((a, b) => a.queuedAt - b.queuedAt);
    for (const listener of this.listeners) listener();
  }

  async load(): Promise<void> {
    const stored = await this.store.all(this.userId);
    const now = this.now();
    this.items = new Map();
    for (const item of stored) {
      if (item.state === 'accepted' && now - (item.answeredAt ?? 0) > KEEP_ACCEPTED_MS) {
        await this.store.delete(item.key);
      } else {
        this.items.set(item.key, item);
      }
    }
    this.changed();
  }

  /** The tap: the signing is shown at once, stored, then sent. */
  async add(signing: NewSigning): Promise<QueuedSigning> {
    const now = this.now();
    const item: QueuedSigning = {
      ...signing,
      key: crypto.randomUUID(),
      userId: this.userId,
      performedAt: nowWithOffset(new Date(now)),
      queuedAt: now,
      state: 'pending',
      attempts: 0,
      nextAttemptAt: now,
    };
    // A new tap on a refused or conflicting row replaces that answer.
    for (const old of this.items.values()) {
      if (old.targetId === item.targetId && old.kind === 'occurrence' && old.state !== 'pending') {
        this.items.delete(old.key);
        await this.store.delete(old.key);
      }
    }
    this.items.set(item.key, item);
    this.changed();
    await this.store.put(item);
    void this.flush();
    return item;
  }

  /** The person has seen a refusal or a conflict: it leaves the list. */
  async dismiss(key: string): Promise<void> {
    this.items.delete(key);
    this.changed();
    await this.store.delete(key);
  }

  /**
   * Sends what is due (everything when `now` is asked for: the network is back, the app was
   * opened). One flush at a time per tab, and per user across tabs.
   */
  flush(options: { all?: boolean } = {}): Promise<void> {
    if (this.flushing) {
      this.again ||= Boolean(options.all);
      return this.flushing;
    }
    this.flushing = exclusively(`signa-queue-${this.userId}`, () => this.sendDue(Boolean(options.all))).finally(
      () => {
        this.flushing = null;
        if (this.again) {
          this.again = false;
          void this.flush({ all: true });
        }
      },
    );
    return this.flushing;
  }

  private async sendDue(all: boolean): Promise<void> {
    // Another tab may have sent some a moment ago: start from what is stored.
    await this.reload();
    const now = this.now();
    const due = [...this.items.values()]
      .filter((item) => item.state === 'pending' && (all || item.nextAttemptAt <= now))
      .slice(0, MAX_BATCH);
    if (due.length === 0) return;
    let outcomes: Map<string, Outcome>;
    try {
      outcomes = await this.send(due);
    } catch {
      outcomes = new Map();
    }
    const answeredAt = this.now();
    for (const item of due) {
      const outcome = outcomes.get(item.key) ?? { type: 'retry' };
      const next = apply(item, outcome, answeredAt, this.random);
      this.items.set(item.key, next);
      await this.store.put(next);
    }
    this.changed();
  }

  private async reload(): Promise<void> {
    const stored = await this.store.all(this.userId);
    let differs = stored.length !== this.items.size;
    for (const item of stored) {
      const known = this.items.get(item.key);
      if (!known || known.state !== item.state) differs = true;
    }
    if (!differs) return;
    this.items = new Map(stored.map((item) => [item.key, item]));
    this.changed();
  }

  /** When the next retry is due, if any item waits. */
  nextAttemptAt(): number | null {
    const times = this.waiting().map((item) => item.nextAttemptAt);
    return times.length ? Math.min(...times) : null;
  }
}

function apply(item: QueuedSigning, outcome: Outcome, at: number, random: () => number): QueuedSigning {
  switch (outcome.type) {
    case 'accepted':
      return { ...item, state: 'accepted', signatureId: outcome.signatureId, answeredAt: at, attempts: item.attempts + 1 };
    case 'conflict':
      return {
        ...item,
        state: 'conflict',
        failure: { code: outcome.code, text: outcome.text },
        conflict: { signedBy: outcome.signedBy, signedAt: outcome.signedAt },
        answeredAt: at,
        attempts: item.attempts + 1,
      };
    case 'refused':
      return { ...item, state: 'refused', failure: { code: outcome.code, text: outcome.text }, answeredAt: at, attempts: item.attempts + 1 };
    case 'retry': {
      const attempts = item.attempts + 1;
      return { ...item, attempts, nextAttemptAt: at + retryDelay(attempts, random) };
    }
  }
}
