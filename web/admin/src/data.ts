// Reading and writing from a page: urql's hooks, with failures as Swedish words.
import { useCallback, useState } from 'react';
import { useClient, useQuery, type AnyVariables, type TypedDocumentNode } from 'urql';
import { failureOf, type Failure } from '@shared/errors';

export type Read<T> = {
  data: T | undefined;
  failure: Failure | null;
  fetching: boolean;
  refetch: () => void;
};

/** A page's query, read from the server each time the page opens or `refetch` is called. */
export function useRead<T, V extends AnyVariables>(
  query: TypedDocumentNode<T, V>,
  variables: V,
  pause = false,
): Read<T> {
  const [result, reexecute] = useQuery<T, V>({ query, variables, pause, requestPolicy: 'network-only' } as never);
  const refetch = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  return {
    data: result.data,
    failure: result.error ? failureOf(result.error) : null,
    fetching: result.fetching,
    refetch,
  };
}

export type Action<T, V> = {
  busy: boolean;
  failure: Failure | null;
  /** The answer, or null when it failed (then `failure` says why). */
  run: (variables: V) => Promise<T | null>;
  clear: () => void;
};

/** A mutation a person starts with a button; one at a time. */
export function useAction<T, V extends AnyVariables>(mutation: TypedDocumentNode<T, V>): Action<T, V> {
  const client = useClient();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const run = useCallback(
    async (variables: V) => {
      setBusy(true);
      setFailure(null);
      try {
        const result = await client.mutation(mutation, variables).toPromise();
        if (result.error) {
          setFailure(failureOf(result.error));
          return null;
        }
        return result.data ?? null;
      } finally {
        setBusy(false);
      }
    },
    [client, mutation],
  );
  return { busy, failure, run, clear: useCallback(() => setFailure(null), []) };
}
