// A query whose last answer is kept in IndexedDB: shown at once (with its age) when the app
// opens, and the only thing shown while the network is away.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { AnyVariables, Client, TypedDocumentNode } from '@urql/core';
import { database } from './database';
import { failureOf, type Failure } from './errors';

export type Cached<T> = {
  data: T | null;
  /** When `data` was read from the server (ms), null before the first answer. */
  fetchedAt: number | null;
  /** The last fetch failed: `data` may be old. */
  failure: Failure | null;
  loading: boolean;
  refetch: () => Promise<void>;
};

export function useCachedQuery<T, V extends AnyVariables>(
  client: Client,
  document: TypedDocumentNode<T, V>,
  variables: V,
  cacheKey: string | null,
): Cached<T> {
  const [state, setState] = useState<Omit<Cached<T>, 'refetch'>>({
    data: null,
    fetchedAt: null,
    failure: null,
    loading: true,
  });
  const key = useRef(cacheKey);
  key.current = cacheKey;
  const vars = JSON.stringify(variables);

  const refetch = useCallback(async () => {
    const asked = key.current;
    if (!asked) return;
    const result = await client.query(document, JSON.parse(vars) as V, { requestPolicy: 'network-only' }).toPromise();
    if (key.current !== asked) return; // the person moved on to another day meanwhile
    if (result.data) {
      const fetchedAt = Date.now();
      setState({ data: result.data, fetchedAt, failure: null, loading: false });
      await (await database()).put('cache', { id: asked, fetchedAt, data: result.data });
    } else if (result.error) {
      setState((s) => ({ ...s, failure: failureOf(result.error!), loading: false }));
    }
  }, [client, document, vars]);

  useEffect(() => {
    if (!cacheKey) return;
    let current = true;
    setState({ data: null, fetchedAt: null, failure: null, loading: true });
    void (async () => {
      const stored = await (await database()).get('cache', cacheKey);
      if (current && stored) {
        setState((s) => (s.fetchedAt === null ? { ...s, data: stored.data as T, fetchedAt: stored.fetchedAt } : s));
      }
    })();
    void refetch();
    return () => {
      current = false;
    };
  }, [cacheKey, refetch]);

  return { ...state, refetch };
}
