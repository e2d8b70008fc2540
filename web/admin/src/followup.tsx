// Uppföljning med personal: what was done about an alarm or a deviation, with whom, by whom
// and when; notes are only ever added, so the history stays.
import { useState, type FormEvent } from 'react';
import type { FollowUpNoteFieldsFragment } from '@shared/gql/graphql';
import { dayAndClock } from '@shared/time';
import { useUnit } from './app';
import { useAction } from './data';
import { AddFollowUpNote } from './operations';
import { adminTexts } from './texts';
import { FailureNotice, TextArea } from './widgets';

const t = adminTexts.followUp;
const MAX_TEXT = 4000;

export function FollowUpNotes(props: {
  notes: FollowUpNoteFieldsFragment[];
  on: { alarmId: string } | { deviationId: string };
  idPrefix: string;
  onAdded: () => void;
  /** A page's own section (2), or a part of a card (3). */
  level: 2 | 3;
}) {
  const { notes, on, idPrefix, onAdded, level } = props;
  const Heading = level === 2 ? 'h2' : 'h3';
  const unit = useUnit();
  const add = useAction(AddFollowUpNote);
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!text.trim()) return setProblem(t.missing);
    setProblem(null);
    if (await add.run({ input: { ...on, text: text.trim() } })) {
      setText('');
      onAdded();
    }
  }
  return (
    <section className={level === 2 ? 'card panel' : 'follow-up'} aria-labelledby={`${idPrefix}-heading`}>
      <Heading id={`${idPrefix}-heading`}>{t.heading}</Heading>
      {notes.length === 0 ? (
        <p className="muted">{t.none}</p>
      ) : (
        <ol className="history">
          {notes.map((n) => (
            <li key={n.id}>
              <span className="muted">{t.by(n.writtenBy.name, dayAndClock(n.writtenAt, unit.timezone))}</span>
              <span className="line prewrap">{n.text}</span>
            </li>
          ))}
        </ol>
      )}
      <form onSubmit={(e) => void submit(e)} noValidate>
        <TextArea id={`${idPrefix}-text`} label={t.label} hint={t.hint} value={text} onChange={setText} maxLength={MAX_TEXT} problem={problem} />
        <FailureNotice failure={add.failure} />
        <button className="button secondary" type="submit" disabled={add.busy}>{t.submit}</button>
      </form>
    </section>
  );
}
