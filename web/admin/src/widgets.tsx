// Small pieces the admin pages share: labelled selects and text areas, the live indicator,
// a form's failure.
import type { ReactNode, SelectHTMLAttributes, TextareaHTMLAttributes } from 'react';
import { Notice } from '@shared/components/Notice';
import { texts } from '@shared/texts';
import { Link } from './navigation';
import type { Failure } from '@shared/errors';
import { adminTexts } from './texts';

export function LiveIndicator({ connected }: { connected: boolean }) {
  return (
    <span className={`live ${connected ? 'on' : 'off'}`} role="status" data-testid="live">
      <span aria-hidden="true">{connected ? '●' : '○'} </span>
      {connected ? adminTexts.live.connected : adminTexts.live.disconnected}
    </span>
  );
}

type SelectProps = Omit<SelectHTMLAttributes<HTMLSelectElement>, 'onChange' | 'value'> & {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  options: [value: string, label: string][];
};

export function SelectField({ id, label, value, onChange, options, ...select }: SelectProps) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select {...select} id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        {options.map(([v, text]) => (
          <option key={v} value={v}>{text}</option>
        ))}
      </select>
    </div>
  );
}

type AreaProps = Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'onChange' | 'value'> & {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  hint?: string;
  problem?: string | null;
};

/** A labelled text area; a problem with it is said under it and tied to it for screen readers. */
export function TextArea({ id, label, value, onChange, hint, problem, ...area }: AreaProps) {
  const hintId = hint ? `${id}-hint` : undefined;
  const problemId = problem ? `${id}-problem` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea
        {...area}
        id={id}
        value={value}
        aria-invalid={problem ? true : undefined}
        aria-describedby={[hintId, problemId].filter(Boolean).join(' ') || undefined}
        onChange={(e) => onChange(e.target.value)}
      />
      {hint && <span id={hintId} className="hint">{hint}</span>}
      {problem && <span id={problemId} className="problem">{problem}</span>}
    </div>
  );
}

export function FailureNotice({ failure }: { failure: Failure | null }) {
  return failure ? <Notice tone="error">{failure.text}</Notice> : null;
}

/** A titled box on a page; a wide one for a table. */
export function Panel({ title, children, id, wide = false }: { title: string; children: ReactNode; id: string; wide?: boolean }) {
  return (
    <section className={`card panel${wide ? ' wide' : ''}`} aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

/** A wide table that scrolls sideways on a narrow screen; focusable, so the keyboard can scroll it. */
export function Scrolling({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label={`${label}, ${adminTexts.table}`}>
      {children}
    </div>
  );
}

/**
 * A page about one record without its record: the read failed, is under way, or found nothing
 * (or one of another unit, which the person is told the same way).
 */
export function NoRecord(props: { failure: Failure | null; loading: boolean; title: string; missing: string; back: [to: string, text: string] }) {
  const { failure, loading, title, missing, back } = props;
  if (failure) return <Notice tone="error">{failure.text}</Notice>;
  if (loading) return <p>{texts.loading}</p>;
  return (
    <section>
      <h1>{title}</h1>
      <Notice tone="warn">{missing}</Notice>
      <Link to={back[0]}>{back[1]}</Link>
    </section>
  );
}
