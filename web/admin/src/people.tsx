// The system administrator's registers: units (with their timezone) and users (with their
// roles per unit; a new user gets the activation e-mail; deactivation ends access at once).
import { useState, type FormEvent } from 'react';
import { Notice } from '@shared/components/Notice';
import { TextField } from '@shared/components/TextField';
import type { Role, UnitUsersQuery } from '@shared/gql/graphql';
import { texts } from '@shared/texts';
import { useAction, useRead } from './data';
import { CreateUnit, CreateUser, DeactivateUser, UnitUsers, Units } from './operations';
import { adminTexts, roleText } from './texts';
import { FailureNotice, Panel, SelectField } from './widgets';

const t = adminTexts.people;
const DEFAULT_ZONE = 'Europe/Stockholm';
const UNIT_ROLES: Role[] = ['CARE_STAFF', 'SOL_ADMIN', 'UNIT_MANAGER'];
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function UnitsPage() {
  const units = useRead(Units, {});
  const create = useAction(CreateUnit);
  const [name, setName] = useState('');
  const [timezone, setTimezone] = useState(DEFAULT_ZONE);
  const [problem, setProblem] = useState<string | null>(null);
  const zones = Intl.supportedValuesOf('timeZone');
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!name.trim()) return setProblem(t.unitNameMissing);
    setProblem(null);
    if (await create.run({ name: name.trim(), timezone })) {
      setName('');
      units.refetch();
    }
  }
  return (
    <section aria-labelledby="page-heading">
      <h1 id="page-heading">{adminTexts.pages.units}</h1>
      {units.failure && <Notice tone="error">{units.failure.text}</Notice>}
      {!units.data && !units.failure && <p>{texts.loading}</p>}
      {units.data && (
        <table className="table">
          <caption className="visually-hidden">{adminTexts.pages.units}</caption>
          <thead>
            <tr>
              <th scope="col">{t.unitName}</th>
              <th scope="col">{t.timezone}</th>
            </tr>
          </thead>
          <tbody>
            {units.data.units.map((u) => (
              <tr key={u.id}>
                <td>{u.name}</td>
                <td>{u.timezone}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Panel title={t.newUnit} id="new-unit-heading">
        <form onSubmit={(e) => void submit(e)} noValidate className="form-grid">
          <TextField id="unit-name" label={t.unitName} value={name} onChange={setName} autoComplete="off" />
          <SelectField id="unit-timezone" label={t.timezone} value={timezone} onChange={setTimezone} options={zones.map((z): [string, string] => [z, z])} />
          <div className="form-actions">
            {problem && <Notice tone="error">{problem}</Notice>}
            <FailureNotice failure={create.failure} />
            <button className="button" type="submit" disabled={create.busy}>{t.createUnit}</button>
          </div>
        </form>
      </Panel>
    </section>
  );
}

type User = UnitUsersQuery['users'][number];

function rolesText(user: User): string {
  const byUnit = new Map<string, string[]>();
  for (const r of user.roles) {
    const key = r.unit?.name ?? '';
    byUnit.set(key, [...(byUnit.get(key) ?? []), roleText[r.role]]);
  }
  return [...byUnit.entries()].map(([unit, roles]) => (unit ? `${unit}: ${roles.join(', ')}` : roles.join(', '))).join('; ');
}

export function UsersPage() {
  const users = useRead(UnitUsers, { unitId: null });
  const deactivate = useAction(DeactivateUser);
  const [confirming, setConfirming] = useState<string | null>(null);
  return (
    <section aria-labelledby="page-heading">
      <h1 id="page-heading">{adminTexts.pages.users}</h1>
      <NewUser onCreated={users.refetch} />
      {users.failure && <Notice tone="error">{users.failure.text}</Notice>}
      {!users.data && !users.failure && <p>{texts.loading}</p>}
      <FailureNotice failure={deactivate.failure} />
      {users.data && (
        <table className="table">
          <caption className="visually-hidden">{adminTexts.pages.users}</caption>
          <thead>
            <tr>
              <th scope="col">{t.name}</th>
              <th scope="col">{t.username}</th>
              <th scope="col">{t.email}</th>
              <th scope="col">{t.roles}</th>
              <th scope="col">{t.status}</th>
              <th scope="col">{t.actions}</th>
            </tr>
          </thead>
          <tbody>
            {users.data.users.map((u) => (
              <tr key={u.id}>
                <td>{u.name}</td>
                <td>{u.username}</td>
                <td>{u.email ?? ''}</td>
                <td>{rolesText(u)}</td>
                <td>{!u.active ? t.deactivated : u.activated ? t.active : t.waitingActivation}</td>
                <td>
                  {u.active &&
                    (confirming === u.id ? (
                      <div className="actions">
                        <button
                          className="button danger"
                          disabled={deactivate.busy}
                          onClick={() =>
                            void deactivate.run({ userId: u.id }).then((done) => {
                              setConfirming(null);
                              if (done) users.refetch();
                            })
                          }
                        >
                          {t.confirmDeactivate(u.name)}
                        </button>
                        <button className="button secondary" onClick={() => setConfirming(null)}>{texts.cancel}</button>
                      </div>
                    ) : (
                      <button className="button secondary" aria-label={t.deactivateFor(u.name)} onClick={() => setConfirming(u.id)}>
                        {t.deactivate}
                      </button>
                    ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function NewUser({ onCreated }: { onCreated: () => void }) {
  const units = useRead(Units, {});
  const create = useAction(CreateUser);
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [username, setUsername] = useState('');
  const [unitId, setUnitId] = useState('');
  const [roles, setRoles] = useState<Role[]>(['CARE_STAFF']);
  const [problem, setProblem] = useState<string | null>(null);
  const [sent, setSent] = useState<string | null>(null);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setSent(null);
    if (!name.trim() || !username.trim()) return setProblem(t.nameMissing);
    if (!EMAIL.test(email.trim())) return setProblem(t.emailInvalid);
    if (roles.length === 0) return setProblem(t.roleMissing);
    const unitRoles = roles.some((r) => r !== 'SYSTEM_ADMIN');
    if (unitRoles && !unitId) return setProblem(t.unitMissing);
    setProblem(null);
    const input = { name: name.trim(), email: email.trim(), username: username.trim(), unitId: unitId || null, roles };
    if (await create.run({ input })) {
      setSent(email.trim());
      setName('');
      setEmail('');
      setUsername('');
      onCreated();
    }
  }
  const toggle = (role: Role, on: boolean) => setRoles((rs) => (on ? [...rs, role] : rs.filter((r) => r !== role)));
  return (
    <Panel title={t.newUser} id="new-user-heading">
      <form onSubmit={(e) => void submit(e)} noValidate>
        <div className="form-grid">
          <TextField id="user-name" label={t.name} value={name} onChange={setName} autoComplete="off" />
          <TextField id="user-username" label={t.username} value={username} onChange={setUsername} autoComplete="off" />
          <TextField id="user-email" type="email" label={t.email} hint={t.emailHint} value={email} onChange={setEmail} autoComplete="off" />
          <SelectField
            id="user-unit"
            label={t.unit}
            value={unitId}
            onChange={setUnitId}
            options={[['', t.noUnit], ...(units.data?.units ?? []).map((u): [string, string] => [u.id, u.name])]}
          />
        </div>
        <fieldset className="choices">
          <legend>{t.roles}</legend>
          {[...UNIT_ROLES, 'SYSTEM_ADMIN' as const].map((role) => (
            <div className="choice" key={role}>
              <input type="checkbox" id={`user-role-${role}`} checked={roles.includes(role)} onChange={(e) => toggle(role, e.target.checked)} />
              <label htmlFor={`user-role-${role}`}>{roleText[role]}</label>
            </div>
          ))}
        </fieldset>
        {problem && <Notice tone="error">{problem}</Notice>}
        {sent && <Notice tone="ok">{t.sent(sent)}</Notice>}
        <FailureNotice failure={create.failure} />
        <button className="button" type="submit" disabled={create.busy}>{t.createUser}</button>
      </form>
    </Panel>
  );
}
