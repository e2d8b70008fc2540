// The four choices, big, with the routine's words; a deviating one asks for the note first.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Notice } from '@shared/components/Notice';
import type { SigningStatus } from '@shared/gql/graphql';
import { statusText, texts } from '@shared/texts';

export const MAX_NOTE = 4000; // signing's limit: refused here, before sending
const CHOICES: SigningStatus[] = ['DONE', 'NOT_DONE', 'NOT_HOME', 'DECLINED'];
const t = texts.phone.sheet;

export type SheetTarget = {
  title: string;
  tenant: string;
  window?: string;
  instructions?: string;
  /** A note kept from an earlier try (refused, or typed before an error). */
  draft?: { status: SigningStatus; note: string };
};

export function SignSheet(props: {
  target: SheetTarget;
  onSign: (status: SigningStatus, note: string | null) => void;
  onClose: () => void;
}) {
  const { target, onSign, onClose } = props;
  const dialog = useRef<HTMLDialogElement>(null);
  const [deviating, setDeviating] = useState<SigningStatus | null>(target.draft?.status ?? null);
  const [note, setNote] = useState(target.draft?.note ?? '');
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
  }, []);

  const choose = (status: SigningStatus) => {
    if (status === 'DONE') {
      onSign('DONE', null);
      return;
    }
    setDeviating(status);
    setProblem(null);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!deviating) return;
    const text = note.trim();
    if (!text) return setProblem(t.noteMissing);
    if (text.length > MAX_NOTE) return setProblem(t.noteTooLong(MAX_NOTE));
    onSign(deviating, text);
  };

  return (
    <dialog ref={dialog} className="sheet" aria-labelledby="sheet-title" onClose={onClose} onCancel={onClose}>
      <div className="sheet-body">
        <h2 id="sheet-title">{t.title(target.title)}</h2>
        <p className="sheet-meta">
          {target.tenant}
          {target.window ? ` · ${target.window}` : ''}
        </p>
        {target.instructions && (
          <details className="instructions">
            <summary>{texts.phone.instructions}</summary>
            <p>{target.instructions}</p>
          </details>
        )}
        {deviating === null ? (
          <fieldset className="choices">
            <legend>{t.choose}</legend>
            {CHOICES.map((status) => (
              <button
                key={status}
                type="button"
                className={`choice choice-${status.toLowerCase()}`}
                onClick={() => choose(status)}
              >
                {statusText[status]}
              </button>
            ))}
          </fieldset>
        ) : (
          <form onSubmit={submit} noValidate>
            <p className="chosen">{statusText[deviating]}</p>
            {problem && <Notice tone="error">{problem}</Notice>}
            <div className="field">
              <label htmlFor="note">{t.note}</label>
              <textarea
                id="note"
                value={note}
                aria-describedby="note-hint note-count"
                aria-invalid={problem ? true : undefined}
                onChange={(e) => setNote(e.target.value)}
              />
              <span id="note-hint" className="hint">{t.noteHint}</span>
              <span id="note-count" className={`count${note.trim().length > MAX_NOTE ? ' over' : ''}`}>
                {note.trim().length} / {MAX_NOTE}
              </span>
            </div>
            <div className="actions">
              <button className="button" type="submit">{t.submit(statusText[deviating])}</button>
              <button className="button secondary" type="button" onClick={() => setDeviating(null)}>
                {t.back}
              </button>
            </div>
          </form>
        )}
        <button className="button quiet wide" type="button" onClick={() => dialog.current?.close()}>
          {texts.cancel}
        </button>
      </div>
    </dialog>
  );
}
