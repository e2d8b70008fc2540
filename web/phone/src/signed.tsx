// What can be done with a signature on the phone: confirm a deviation is documented in the
// case system, and undo one's own signing with a reason.
import { useState, type FormEvent } from 'react';
import { Notice } from '@shared/components/Notice';
import { failureOf } from '@shared/errors';
import type { WorklistQuery } from '@shared/gql/graphql';
import { texts } from '@shared/texts';
import { usePhone } from './app';
import { AnnulSignature, ConfirmDocumented } from './operations';
import type { QueuedSigning } from './queue';
import type { Signed } from './rowstate';

const t = texts.phone;
// signing's rule: the signer may annul within 24 hours (a SoL-admin at any time, on the admin web).
const ANNUL_LIMIT_MS = 24 * 3600_000;

export function SignedActions(props: {
  occurrence: WorklistQuery['worklist'][number];
  signed: Signed;
  item?: QueuedSigning | undefined;
  /** The signature changed: read the list again. */
  onChanged: () => void;
}) {
  const { signed, item, onChanged } = props;
  const { client, queue, me, online } = usePhone();
  const [documentedAt, setDocumentedAt] = useState<string | null>(signed.documentedAt ?? null);
  const [annulling, setAnnulling] = useState(false);
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const signatureId = signed.signatureId;
  const mine = signed.signedById ? signed.signedById === me.id : Boolean(item);
  const signedAtMs = signed.signedAt ? Date.parse(signed.signedAt) : (item?.answeredAt ?? 0);
  const mayAnnul = mine && signatureId && Date.now() - signedAtMs < ANNUL_LIMIT_MS;
  const deviating = signed.status !== 'DONE';

  async function confirm() {
    if (!signatureId) return;
    setBusy(true);
    setProblem(null);
    const result = await client.mutation(ConfirmDocumented, { signatureId }).toPromise();
    setBusy(false);
    if (result.data) {
      setDocumentedAt(result.data.confirmDocumented.documentedAt ?? new Date().toISOString());
      onChanged();
    } else {
      setProblem(failureOf(result.error!).text);
    }
  }

  async function annul(event: FormEvent) {
    event.preventDefault();
    if (!signatureId) return;
    if (!reason.trim()) return setProblem(t.annul.missing);
    if (!online) return setProblem(t.annul.needsNetwork);
    setBusy(true);
    setProblem(null);
    const result = await client.mutation(AnnulSignature, { signatureId, reason: reason.trim() }).toPromise();
    setBusy(false);
    if (result.data) {
      setAnnulling(false);
      for (const queued of queue.list()) if (queued.signatureId === signatureId) await queue.dismiss(queued.key);
      onChanged();
    } else {
      setProblem(failureOf(result.error!).text); // the reason typed stays in the field
    }
  }

  return (
    <div className="signed-actions">
      {problem && <Notice tone="error">{problem}</Notice>}
      {deviating && mine && !documentedAt && (
        <div className="notice warn" role="status">
          <p>{t.documentReminder}</p>
          {signatureId ? (
            <button className="button" disabled={busy} onClick={() => void confirm()}>
              {t.documented}
            </button>
          ) : (
            <p>{t.documentWhenSent}</p>
          )}
        </div>
      )}
      {deviating && documentedAt && <p className="documented">✓ {t.documentedDone}</p>}
      {mayAnnul && !annulling && (
        <button className="button quiet" onClick={() => setAnnulling(true)}>
          {t.annul.button}
        </button>
      )}
      {annulling && (
        <form className="card annul" onSubmit={annul} noValidate>
          <div className="field">
            <label htmlFor={`reason-${signatureId}`}>{t.annul.reason}</label>
            <textarea id={`reason-${signatureId}`} value={reason} onChange={(e) => setReason(e.target.value)} />
          </div>
          <div className="actions">
            <button className="button danger" type="submit" disabled={busy}>
              {t.annul.submit}
            </button>
            <button className="button secondary" type="button" onClick={() => setAnnulling(false)}>
              {texts.cancel}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
