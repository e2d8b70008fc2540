// A live feed that outlives its connection: when the server ends it (the token expired or
// was revoked: UNAUTHENTICATED) or the network drops, it subscribes again, with a fresh token
// (the client's connectionParams renew it), after a short pause.
import type { AnyVariables, Client, OperationResult, TypedDocumentNode } from '@urql/core';
import { onEnd, pipe, subscribe } from 'wonka';

const PAUSE_MS = 2_000;

export function live<T, V extends AnyVariables>(
  client: Client,
  document: TypedDocumentNode<T, V>,
  variables: V,
  onResult: (result: OperationResult<T, V>) => void,
  onConnected: (connected: boolean) => void = () => {},
): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let feed: { unsubscribe(): void } | undefined;
  const start = () => {
    feed = pipe(
      client.subscription(document, variables),
      onEnd(() => {
        onConnected(false);
        if (!stopped) timer = setTimeout(start, PAUSE_MS);
      }),
      subscribe((result) => {
        onConnected(!result.error);
        onResult(result);
      }),
    );
  };
  start();
  return () => {
    stopped = true;
    clearTimeout(timer);
    feed?.unsubscribe();
  };
}
