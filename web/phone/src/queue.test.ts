import { describe, expect, it } from 'vitest';
import { SigningQueue, retryDelay, type Outcome, type QueueStore, type QueuedSigning, type Sender } from './queue';

function memoryStore(): QueueStore & { rows: Map<string, QueuedSigning> } {
  const rows = new Map<string, QueuedSigning>();
  return {
    rows,
    async all(userId) {
      return [...rows.values()].filter((r) => r.userId === userId).map((r) => ({ ...r }));
    },
    async put(item) {
      rows.set(item.key, { ...item });
    },
    async delete(key) {
      rows.delete(key);
    },
  };
}

const signing = { unitId: 'u1', kind: 'occurrence' as const, targetId: 'occ1', status: 'DONE' as const, note: null };

function recordingSender(answer: (items: QueuedSigning[]) => Map<string, Outcome>) {
  const sent: QueuedSigning[][] = [];
  const send: Sender = async (items) => {
    sent.push(items.map((i) => ({ ...i })));
    return answer(items);
  };
  return { sent, send };
}

const offline: Sender = async () => {
  throw new TypeError('Failed to fetch');
};

describe('the signing queue', () => {
  it('stores a signing before it is sent, with a key and the time of the tap', async () => {
    const store = memoryStore();
    let storedBeforeSend = false;
    const send: Sender = async (items) => {
      storedBeforeSend = store.rows.has(items[0]!.key);
      return new Map();
    };
    const queue = new SigningQueue('anna', send, store, () => Date.parse('2026-12-03T08:00:00Z'));
    const item = await queue.add(signing);
    await queue.flush();
    expect(storedBeforeSend).toBe(true);
    expect(item.key).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(item.performedAt)).toBe(Date.parse('2026-12-03T08:00:00Z'));
    expect(item.performedAt).toMatch(/[+-]\d\d:\d\d$/);
  });

  it('keeps an item that could not be sent, and retries it with the same key and time', async () => {
    const store = memoryStore();
    let now = 1_000_000;
    const first = new SigningQueue('anna', offline, store, () => now, () => 0.5);
    const item = await first.add(signing);
    await first.flush();
    expect(store.rows.get(item.key)?.state).toBe('pending');
    expect(store.rows.get(item.key)?.nextAttemptAt).toBe(now + 2_000);

    // The app restarts (a reload, a crash): a new queue reads what is stored and sends it.
    const { sent, send } = recordingSender((items) => new Map(items.map((i) => [i.key, { type: 'accepted', signatureId: 's1' }])));
    now += 5_000;
    const second = new SigningQueue('anna', send, store, () => now);
    await second.load();
    await second.flush();
    expect(sent).toHaveLength(1);
    expect(sent[0]![0]!.key).toBe(item.key);
    expect(sent[0]![0]!.performedAt).toBe(item.performedAt);
    expect(store.rows.get(item.key)?.state).toBe('accepted');
  });

  it('does not send an item again once the server answered it', async () => {
    const store = memoryStore();
    const { sent, send } = recordingSender((items) => new Map(items.map((i) => [i.key, { type: 'accepted', signatureId: 's1' }])));
    const queue = new SigningQueue('anna', send, store);
    await queue.add(signing);
    await queue.flush();
    await queue.flush({ all: true });
    expect(sent).toHaveLength(1);
  });

  it('keeps a conflict with who signed first until the person has seen it', async () => {
    const store = memoryStore();
    const { send } = recordingSender(
      (items) =>
        new Map(
          items.map((i) => [i.key, { type: 'conflict', code: 'CONFLICT', text: 'x', signedBy: 'Bo', signedAt: '2026-12-03T08:01:00Z' }]),
        ),
    );
    const queue = new SigningQueue('anna', send, store);
    const item = await queue.add(signing);
    await queue.flush();
    const stored = store.rows.get(item.key)!;
    expect(stored.state).toBe('conflict');
    expect(stored.conflict).toEqual({ signedBy: 'Bo', signedAt: '2026-12-03T08:01:00Z' });
    await queue.dismiss(item.key);
    expect(store.rows.has(item.key)).toBe(false);
  });

  it('belongs to its user: another user on the phone neither sees nor sends it', async () => {
    const store = memoryStore();
    const anna = new SigningQueue('anna', offline, store);
    await anna.add(signing);
    await anna.flush();
    const { sent, send } = recordingSender(() => new Map());
    const bo = new SigningQueue('bo', send, store);
    await bo.load();
    await bo.flush({ all: true });
    expect(bo.list()).toEqual([]);
    expect(sent).toEqual([]);
    expect([...store.rows.values()].map((r) => r.userId)).toEqual(['anna']);
  });

  it('waits for the retry time unless asked to send everything', async () => {
    const store = memoryStore();
    const now = 1_000_000;
    const queue = new SigningQueue('anna', offline, store, () => now, () => 0.5);
    await queue.add(signing);
    await queue.flush();
    const { sent, send } = recordingSender(() => new Map());
    const again = new SigningQueue('anna', send, store, () => now + 1_000);
    await again.load();
    await again.flush();
    expect(sent).toHaveLength(0);
    await again.flush({ all: true });
    expect(sent).toHaveLength(1);
  });

  it('sends at most 200 in one call', async () => {
    const store = memoryStore();
    const queue = new SigningQueue('anna', offline, store);
    for (let i = 0; i < 205; i++) await queue.add({ ...signing, targetId: `occ${i}` });
    const { sent, send } = recordingSender(() => new Map());
    const again = new SigningQueue('anna', send, store);
    await again.load();
    await again.flush({ all: true });
    expect(sent[0]).toHaveLength(200);
  });
});

describe('retry delays', () => {
  it('double from 2 s to at most a minute, spread by half either way', () => {
    expect(retryDelay(1, () => 0.5)).toBe(2_000);
    expect(retryDelay(2, () => 0.5)).toBe(4_000);
    expect(retryDelay(10, () => 0.5)).toBe(60_000);
    expect(retryDelay(3, () => 0)).toBe(4_000);
    expect(retryDelay(3, () => 0.999)).toBeCloseTo(11_992, -1);
  });
});
