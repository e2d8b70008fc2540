import { Client, fetchExchange } from '@urql/core';
import { describe, expect, it } from 'vitest';
import type { StoredSession } from './database';
import { Session, SessionError, type SessionStore } from './session';

function memoryStore(initial?: StoredSession): SessionStore & { value: StoredSession | undefined } {
  const store = {
    value: initial,
    async load() {
      return store.value;
    },
    async save(session: StoredSession) {
      store.value = session;
    },
    async clear() {
      store.value = undefined;
    },
  };
  return store;
}

function jwt(lifetimeSeconds: number): string {
  const part = (o: object) => btoa(JSON.stringify(o)).replace(/=+$/, '');
  return `${part({ alg: 'EdDSA' })}.${part({ iat: 1000, exp: 1000 + lifetimeSeconds })}.sig`;
}

type Answer = { data?: unknown; errors?: unknown[] } | 'offline';

/** identity as the session sees it over HTTP: rotating refresh tokens, reuse refused. */
function identity() {
  const used = new Set<string>();
  let issued = 0;
  const calls: string[] = [];
  const tokens = () => {
    issued += 1;
    return {
      accessToken: jwt(300),
      expiresAt: '2030-01-01T00:05:00Z',
      refreshToken: `r${issued}`,
      refreshExpiresAt: '2099-01-01T00:00:00Z',
      userId: 'anna',
    };
  };
  const state = { offline: false };
  const answer = (operation: string, variables: Record<string, string>): Answer => {
    if (state.offline) return 'offline';
    if (operation === 'LogIn') {
      return variables.password === 'rätt-lösenord'
        ? { data: { login: tokens() } }
        : { data: null, errors: [{ message: 'wrong username or password', extensions: { code: 'UNAUTHENTICATED' } }] };
    }
    if (operation === 'RefreshSession') {
      const token = variables.refreshToken!;
      if (used.has(token) || !token.startsWith('r')) {
        return { data: null, errors: [{ message: 'the session is not valid', extensions: { code: 'UNAUTHENTICATED' } }] };
      }
      used.add(token);
      return { data: { refreshSession: tokens() } };
    }
    if (operation === 'LogOut') return { data: { logout: true } };
    throw new Error(operation);
  };
  const fetch = async (_input: RequestInfo | URL, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body)) as { operationName: string; variables: Record<string, string> };
    calls.push(body.operationName);
    const result = answer(body.operationName, body.variables);
    if (result === 'offline') throw new TypeError('Failed to fetch');
    return new Response(JSON.stringify(result), { headers: { 'content-type': 'application/json' } });
  };
  const client = new Client({ url: 'http://signa.test/graphql', exchanges: [fetchExchange], fetch, requestPolicy: 'network-only' });
  return { client, calls, state };
}

describe('the session', () => {
  it('logs in, keeps the refresh token and holds the access token in memory only', async () => {
    const server = identity();
    const store = memoryStore();
    const session = new Session(server.client, store);
    await session.logIn('anna', 'rätt-lösenord');
    expect(session.current).toEqual({ status: 'signedIn', userId: 'anna', connected: true });
    expect(store.value).toEqual({ refreshToken: 'r1', refreshExpiresAt: '2099-01-01T00:00:00Z', userId: 'anna' });
    expect(JSON.stringify(store.value)).not.toContain('accessToken');
    expect(await session.accessToken()).toBe(jwt(300));
  });

  it('says a wrong password is UNAUTHENTICATED and stays signed out', async () => {
    const session = new Session(identity().client, memoryStore());
    await session.restore();
    const error = await session.logIn('anna', 'fel').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionError);
    expect((error as SessionError).failure.code).toBe('UNAUTHENTICATED');
    expect(session.current.status).toBe('signedOut');
  });

  it('survives a restart by rotating the stored refresh token', async () => {
    const server = identity();
    const store = memoryStore();
    await new Session(server.client, store).logIn('anna', 'rätt-lösenord');
    const restarted = new Session(server.client, store);
    await restarted.restore();
    expect(restarted.current).toEqual({ status: 'signedIn', userId: 'anna', connected: true });
    expect(store.value?.refreshToken).toBe('r2');
  });

  it('renews the access token when it nears expiry, once for many callers', async () => {
    const server = identity();
    let now = 0;
    const session = new Session(server.client, memoryStore(), () => now);
    await session.logIn('anna', 'rätt-lösenord');
    now = 290_000; // 10 s before the 300 s token expires
    await Promise.all([session.accessToken(), session.accessToken(), session.accessToken()]);
    expect(server.calls.filter((c) => c === 'RefreshSession')).toHaveLength(1);
  });

  it('starts offline on its stored session, known user, not connected', async () => {
    const server = identity();
    const store = memoryStore({ refreshToken: 'r9', refreshExpiresAt: '2099-01-01T00:00:00Z', userId: 'anna' });
    server.state.offline = true;
    const session = new Session(server.client, store);
    await session.restore();
    expect(session.current).toEqual({ status: 'signedIn', userId: 'anna', connected: false });
    expect(store.value?.refreshToken).toBe('r9');
  });

  it('ends when identity refuses the refresh token, saying why', async () => {
    const store = memoryStore({ refreshToken: 'stolen', refreshExpiresAt: '2099-01-01T00:00:00Z', userId: 'anna' });
    const session = new Session(identity().client, store);
    await session.restore();
    expect(session.current).toMatchObject({ status: 'signedOut', lastUserId: 'anna' });
    expect((session.current as { notice?: string }).notice).toMatch(/Logga in igen/);
    expect(store.value).toBeUndefined();
  });

  it('forgets the refresh token on log-out', async () => {
    const server = identity();
    const store = memoryStore();
    const session = new Session(server.client, store);
    await session.logIn('anna', 'rätt-lösenord');
    await session.logOut();
    expect(store.value).toBeUndefined();
    expect(await session.accessToken()).toBeNull();
    expect(server.calls).toContain('LogOut');
  });
});
