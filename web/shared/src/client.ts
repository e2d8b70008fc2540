// The GraphQL client both apps use: HTTP for queries and mutations, graphql-ws for
// subscriptions, the session's access token on both, all to the gateway at the same origin.
import { Client, fetchExchange, subscriptionExchange, type Exchange } from '@urql/core';
import { createClient as createWsClient } from 'graphql-ws';
import type { Session } from './session';

const ENDPOINT = '/graphql';
// A phone on a bad network: give up on a request after this long and let it be retried.
const REQUEST_TIMEOUT_MS = 15_000;

function timed(init: RequestInit | undefined): RequestInit {
  const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  return { ...init, signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout };
}

/** For log-in, activation and refresh: no token. */
export function anonymousClient(): Client {
  return new Client({
    url: ENDPOINT,
    exchanges: [fetchExchange],
    preferGetMethod: false,
    requestPolicy: 'network-only',
    fetch: (input, init) => fetch(input, timed(init)),
  });
}

/**
 * Sends the access token, and when an answer says UNAUTHENTICATED (the token expired or was
 * revoked) renews it once and sends the request again; if renewing fails the session ends and
 * the app shows the sign-in.
 */
function authorizedFetch(session: Session): typeof fetch {
  const send = (input: RequestInfo | URL, init: RequestInit | undefined, token: string) =>
    fetch(input, timed({ ...init, headers: { ...(init?.headers as Record<string, string>), authorization: `Bearer ${token}` } }));
  return async (input, init) => {
    // Identity away and the token stale: a network failure, so the caller may retry later.
    const token = await session.accessToken().catch(() => {
      throw new TypeError('the session cannot be renewed now');
    });
    if (token === null) return fetch(input, timed(init));
    const response = await send(input, init, token);
    const text = await response.clone().text();
    if (!text.includes('"UNAUTHENTICATED"')) return response;
    const fresh = await session.rejected(token).catch(() => null);
    return fresh ? send(input, init, fresh) : response;
  };
}

/**
 * Whether the live feeds' WebSocket is open, for a page to show when it is not. `connections`
 * counts openings, so a page can read again what it may have missed while it was closed.
 */
export class LiveStatus {
  private state = { connected: false, connections: 0 };
  private listeners = new Set<() => void>();

  readonly subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly current = () => this.state;

  set(connected: boolean): void {
    if (connected === this.state.connected) return;
    this.state = { connected, connections: this.state.connections + (connected ? 1 : 0) };
    for (const listener of this.listeners) listener();
  }
}

export function signedInClient(session: Session, status: LiveStatus = new LiveStatus()): Client {
  const ws = createWsClient({
    on: {
      connected: () => status.set(true),
      closed: () => status.set(false),
    },
    url: () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${ENDPOINT}`,
    lazy: true,
    retryAttempts: Infinity,
    shouldRetry: () => true,
    // Every (re)connection carries the newest token; an expired one is renewed first.
    connectionParams: async () => {
      const token = await session.accessToken();
      return token ? { authorization: `Bearer ${token}` } : {};
    },
  });
  const subscriptions: Exchange = subscriptionExchange({
    forwardSubscription(request) {
      const input = { ...request, query: request.query || '' };
      return {
        subscribe(sink) {
          const unsubscribe = ws.subscribe(input, sink);
          return { unsubscribe };
        },
      };
    },
  });
  return new Client({
    url: ENDPOINT,
    exchanges: [subscriptions, fetchExchange],
    requestPolicy: 'network-only',
    fetch: authorizedFetch(session),
  });
}
