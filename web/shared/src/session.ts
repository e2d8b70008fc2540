// Signing in, staying signed in, signing out.
//
// The access token lives in this object's memory only. The refresh token is kept in
// IndexedDB (docs/decisions.md says why), so a reload or a restarted phone is still signed
// in; identity rotates it on every use and treats a second use as theft, so refreshing is
// serialised across the app's tabs with a Web Lock, and each refresh reads the newest token.
import type { Client } from '@urql/core';
import { database, type StoredSession } from './database';
import { failureOf, type Failure } from './errors';
import { graphql } from './gql';
import { exclusively } from './locks';
import { texts } from './texts';

graphql(`
  fragment SessionTokens on AuthSession {
    accessToken
    expiresAt
    refreshToken
    refreshExpiresAt
    userId
  }
`);

const LogIn = graphql(`
  mutation LogIn($username: String!, $password: String!) {
    login(username: $username, password: $password) {
      ...SessionTokens
    }
  }
`);

const Refresh = graphql(`
  mutation RefreshSession($refreshToken: String!) {
    refreshSession(refreshToken: $refreshToken) {
      ...SessionTokens
    }
  }
`);

const Activate = graphql(`
  mutation ActivateAccount($token: String!, $password: String!) {
    activateAccount(token: $token, password: $password) {
      ...SessionTokens
    }
  }
`);

const LogOut = graphql(`
  mutation LogOut($refreshToken: String!) {
    logout(refreshToken: $refreshToken)
  }
`);

type Tokens = {
  accessToken: string;
  expiresAt: string;
  refreshToken: string;
  refreshExpiresAt: string;
  userId: string;
};

export type SessionState =
  | { status: 'starting' }
  | { status: 'signedOut'; notice?: string; lastUserId?: string }
  /** `connected` is false while the app runs on its stored session without reaching identity. */
  | { status: 'signedIn'; userId: string; connected: boolean };

/** Where the refresh token is kept; IndexedDB in the apps, a map in unit tests. */
export interface SessionStore {
  load(): Promise<StoredSession | undefined>;
  save(session: StoredSession): Promise<void>;
  clear(): Promise<void>;
}

export const indexedDbSessionStore: SessionStore = {
  async load() {
    return (await database()).get('session', 'current');
  },
  async save(session) {
    await (await database()).put('session', session, 'current');
  },
  async clear() {
    await (await database()).delete('session', 'current');
  },
};

export class SessionError extends Error {
  constructor(readonly failure: Failure) {
    super(failure.text);
  }
}

// Renew the access token this long before it expires, so a request never carries a stale one.
const EARLY_MS = 30_000;

/**
 * How long the access token lives, from its own iat and exp: the phone's clock may be minutes
 * off the server's, so its expiry is counted from now on the phone's clock.
 */
function lifetimeMs(tokens: Tokens): number {
  try {
    const payload = tokens.accessToken.split('.')[1] ?? '';
    const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { iat?: number; exp?: number };
    if (typeof claims.iat === 'number' && typeof claims.exp === 'number') return (claims.exp - claims.iat) * 1000;
  } catch {
    // Not a JWT we can read: fall back to the server's expiry time.
  }
  return Date.parse(tokens.expiresAt) - Date.now();
}

export class Session {
  private state: SessionState = { status: 'starting' };
  private readonly listeners = new Set<() => void>();
  private access: { token: string; expiresAtMs: number } | null = null;
  private refreshing: Promise<string | null> | null = null;

  constructor(
    private readonly anonymous: Client,
    private readonly store: SessionStore = indexedDbSessionStore,
    private readonly now: () => number = Date.now,
  ) {}

  get current(): SessionState {
    return this.state;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(state: SessionState): void {
    this.state = state;
    for (const listener of this.listeners) listener();
  }

  /** At app start: carry on with the stored session, online or not. */
  async restore(): Promise<void> {
    const stored = await this.store.load();
    if (!stored || Date.parse(stored.refreshExpiresAt) <= this.now()) {
      if (stored) await this.store.clear();
      this.set({ status: 'signedOut', ...(stored ? { lastUserId: stored.userId } : {}) });
      return;
    }
    // Known user straight away: the phone shows its day list and queue even with no network.
    this.set({ status: 'signedIn', userId: stored.userId, connected: false });
    try {
      await this.accessToken();
    } catch {
      // Not reachable now; the next request tries again.
    }
  }

  async logIn(username: string, password: string): Promise<void> {
    const result = await this.anonymous.mutation(LogIn, { username, password }).toPromise();
    if (result.error || !result.data) throw new SessionError(failureOf(result.error!));
    await this.start(result.data.login);
  }

  async activate(token: string, password: string): Promise<void> {
    const result = await this.anonymous.mutation(Activate, { token, password }).toPromise();
    if (result.error || !result.data) throw new SessionError(failureOf(result.error!));
    await this.start(result.data.activateAccount);
  }

  /** Ends the session here and at identity. What the phone has queued stays, with its user. */
  async logOut(): Promise<void> {
    const stored = await this.store.load();
    this.access = null;
    await this.store.clear();
    this.set({ status: 'signedOut', notice: texts.signIn.signedOut, ...(stored ? { lastUserId: stored.userId } : {}) });
    if (stored) {
      // Best effort: offline, the token is gone from the phone and expires at identity.
      await this.anonymous.mutation(LogOut, { refreshToken: stored.refreshToken }).toPromise();
    }
  }

  /**
   * A valid access token, renewed when near expiry; null when signed out. Throws a retryable
   * SessionError when identity cannot be reached.
   */
  async accessToken(): Promise<string | null> {
    if (this.state.status !== 'signedIn') return null;
    if (this.access && this.access.expiresAtMs - EARLY_MS > this.now()) return this.access.token;
    return this.renew();
  }

  /** An answer said UNAUTHENTICATED (expired, revoked): renew once, or end the session. */
  async rejected(token: string | null): Promise<string | null> {
    if (this.access && token !== null && this.access.token !== token) return this.access.token;
    this.access = null;
    return this.renew();
  }

  private renew(): Promise<string | null> {
    this.refreshing ??= exclusively('signa-session-refresh', () => this.refresh()).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async refresh(): Promise<string | null> {
    // Read inside the lock: another tab may have rotated the token a moment ago.
    const stored = await this.store.load();
    if (!stored) {
      this.end();
      return null;
    }
    const result = await this.anonymous.mutation(Refresh, { refreshToken: stored.refreshToken }).toPromise();
    if (result.data) {
      await this.start(result.data.refreshSession);
      return this.access!.token;
    }
    const problem = failureOf(result.error!);
    if (problem.code === 'UNAUTHENTICATED') {
      await this.store.clear();
      this.end(stored.userId);
      return null;
    }
    throw new SessionError(problem);
  }

  private end(lastUserId?: string): void {
    this.access = null;
    this.set({ status: 'signedOut', notice: texts.signIn.expired, ...(lastUserId ? { lastUserId } : {}) });
  }

  private async start(tokens: Tokens): Promise<void> {
    await this.store.save({
      refreshToken: tokens.refreshToken,
      refreshExpiresAt: tokens.refreshExpiresAt,
      userId: tokens.userId,
    });
    this.access = { token: tokens.accessToken, expiresAtMs: this.now() + lifetimeMs(tokens) };
    const s = this.state;
    if (s.status !== 'signedIn' || s.userId !== tokens.userId || !s.connected) {
      this.set({ status: 'signedIn', userId: tokens.userId, connected: true });
    }
  }
}
