// A new intervention, saved as a draft: what, for whom, and when (a schedule, or "vid behov").
import { useState, type FormEvent } from 'react';
import { Notice } from '@shared/components/Notice';
import { TextField } from '@shared/components/TextField';
import type { InterventionCategory } from '@shared/gql/graphql';
import { useUnit } from './app';
import { useAction } from './data';
import { useGo } from './navigation';
import { CreateIntervention } from './operations';
import { pathOf } from './routes';
import { NEW_SCHEDULE, ScheduleEditor, scheduleOf, type ScheduleDraft } from './schedule';
import { adminTexts, categoryText } from './texts';
import { FailureNotice, SelectField, TextArea } from './widgets';
import { localDate } from '@shared/time';

const t = adminTexts.intervention;

export function InterventionForm({ tenantId, onCreated }: { tenantId: string; onCreated: () => void }) {
  const unit = useUnit();
  const go = useGo();
  const [title, setTitle] = useState('');
  const [category, setCategory] = useState<InterventionCategory>('SOL');
  const [instructions, setInstructions] = useState('');
  const [planReference, setPlanReference] = useState('');
  const [prn, setPrn] = useState(false);
  const [draft, setDraft] = useState<ScheduleDraft>(NEW_SCHEDULE);
  const [validFrom, setValidFrom] = useState(localDate(new Date(), unit.timezone));
  const [validTo, setValidTo] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const create = useAction(CreateIntervention);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!title.trim()) return setProblem(t.titleMissing);
    if (validTo && validFrom && validTo < validFrom) return setProblem(t.validOrder);
    const built = prn ? null : scheduleOf(draft);
    if (built && 'problem' in built) return setProblem(built.problem);
    setProblem(null);
    const done = await create.run({
      input: {
        tenantId,
        title: title.trim(),
        category,
        instructions: instructions.trim(),
        planReference: planReference.trim() || null,
        prn,
        schedule: built ? built.schedule : null,
        validFrom: validFrom || null,
        validTo: validTo || null,
      },
    });
    if (done) {
      onCreated();
      go(pathOf('intervention', done.createIntervention.id));
    }
  }

  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      <p className="hint">{t.draftHint}</p>
      <div className="form-grid">
        <TextField id="new-title" label={t.title} value={title} onChange={setTitle} autoComplete="off" />
        <SelectField
          id="new-category"
          label={t.category}
          value={category}
          onChange={(v) => setCategory(v as InterventionCategory)}
          options={(['SOL', 'HSL'] as const).map((c): [string, string] => [c, categoryText[c]])}
        />
        <TextField id="new-plan" label={t.planReference} hint={t.planReferenceHint} value={planReference} onChange={setPlanReference} autoComplete="off" />
        <TextField id="new-from" type="date" label={t.validFrom} value={validFrom} onChange={setValidFrom} />
        <TextField id="new-to" type="date" label={t.validTo} hint={t.validToHint} value={validTo} onChange={setValidTo} />
      </div>
      <TextArea id="new-instructions" label={t.instructions} hint={t.instructionsHint} value={instructions} onChange={setInstructions} maxLength={4000} />
      <div className="field checkbox">
        <input id="new-prn" type="checkbox" checked={prn} onChange={(e) => setPrn(e.target.checked)} />
        <label htmlFor="new-prn">{t.prn}</label>
      </div>
      {!prn && <ScheduleEditor draft={draft} onChange={setDraft} validFrom={validFrom || null} validTo={validTo || null} idPrefix="new-schedule" />}
      {problem && <Notice tone="error">{problem}</Notice>}
      <FailureNotice failure={create.failure} />
      <button className="button" type="submit" disabled={create.busy}>{t.createSubmit}</button>
    </form>
  );
}
