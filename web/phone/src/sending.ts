// The queue's way to the server: occurrence signings in one syncSignatures call, PRN
// signings one signPrn each, and for a conflict, who signed first and when.
import type { Client } from '@urql/core';
import { failure, failureOf } from '@shared/errors';
import { SignPrn, SyncSignatures, WhoSigned } from './operations';
import type { Outcome, QueuedSigning, Sender } from './queue';

async function conflictOutcome(client: Client, signatureId: string, code: string, text: string): Promise<Outcome> {
  const who = await client.query(WhoSigned, { id: signatureId }).toPromise();
  const signature = who.data?.signature;
  return {
    type: 'conflict',
    code,
    text,
    signedBy: signature?.signedBy.name ?? '',
    signedAt: signature?.signedAt ?? '',
  };
}

async function itemOutcome(
  client: Client,
  error: { code: string; message: string; existingSignatureId?: string | null },
): Promise<Outcome> {
  const { text, retryable } = failure(error.code, error.message);
  if (retryable) return { type: 'retry' };
  if (error.code === 'CONFLICT' && error.existingSignatureId) {
    return conflictOutcome(client, error.existingSignatureId, error.code, text);
  }
  return { type: 'refused', code: error.code, text };
}

async function sendOccurrences(client: Client, items: QueuedSigning[], outcomes: Map<string, Outcome>) {
  if (items.length === 0) return;
  const inputs = items.map((item) => ({
    occurrenceId: item.targetId,
    status: item.status,
    note: item.note,
    performedAt: item.performedAt,
    idempotencyKey: item.key,
  }));
  const result = await client.mutation(SyncSignatures, { inputs }).toPromise();
  if (!result.data) {
    // The whole call failed. Bad input in the call itself (too many, a malformed item) is
    // refused for all; anything else is tried again later.
    const whole = failureOf(result.error!);
    if (whole.code === 'BAD_USER_INPUT') {
      for (const item of items) outcomes.set(item.key, { type: 'refused', code: whole.code, text: whole.text });
    }
    return;
  }
  for (const answer of result.data.syncSignatures) {
    if (answer.signature) {
      outcomes.set(answer.idempotencyKey, { type: 'accepted', signatureId: answer.signature.id });
    } else if (answer.error) {
      outcomes.set(answer.idempotencyKey, await itemOutcome(client, answer.error));
    }
  }
}

async function sendPrn(client: Client, item: QueuedSigning, outcomes: Map<string, Outcome>) {
  const input = {
    interventionId: item.targetId,
    status: item.status,
    note: item.note,
    performedAt: item.performedAt,
    idempotencyKey: item.key,
  };
  const result = await client.mutation(SignPrn, { input }).toPromise();
  if (result.data) {
    outcomes.set(item.key, { type: 'accepted', signatureId: result.data.signPrn.id });
    return;
  }
  const problem = failureOf(result.error!);
  const existing = problem.extensions.existingSignatureId;
  outcomes.set(
    item.key,
    await itemOutcome(client, {
      code: problem.code,
      message: result.error?.graphQLErrors[0]?.message ?? '',
      existingSignatureId: typeof existing === 'string' ? existing : null,
    }),
  );
}

export function sender(client: Client): Sender {
  return async (items) => {
    const outcomes = new Map<string, Outcome>();
    await sendOccurrences(
      client,
      items.filter((item) => item.kind === 'occurrence'),
      outcomes,
    );
    for (const item of items.filter((i) => i.kind === 'prn')) await sendPrn(client, item, outcomes);
    return outcomes;
  };
}
