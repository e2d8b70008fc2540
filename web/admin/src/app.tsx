// The admin web's frame: who is signed in, which unit, the menu their roles open, the page.
import { createContext, useContext, useState, type ReactNode } from 'react';
import { Provider, type Client } from 'urql';
import { Activate } from '@shared/components/Activate';
import { Notice } from '@shared/components/Notice';
import { SignIn } from '@shared/components/SignIn';
import { useSession } from '@shared/components/useSession';
import type { AdminMeQuery, Role } from '@shared/gql/graphql';
import type { Session } from '@shared/session';
import { texts } from '@shared/texts';
import { useRead } from './data';
import { GoProvider, Link, usePath } from './navigation';
import { AdminMe } from './operations';
import { Pages } from './pages';
import { menuPageOf, mayOpen, MENU, pathOf, routeOf, startPage, BASE, type Access, type Route } from './routes';
import { adminTexts as t } from './texts';

export type Unit = { id: string; name: string; timezone: string };

export type Admin = {
  me: { id: string; name: string };
  /** The unit being followed up; null for a system administrator with no unit role. */
  unit: Unit | null;
  access: Access;
  /** The units the person follows up (SoL-admin or manager). */
  units: Unit[];
  session: Session;
};

const AdminContext = createContext<Admin | null>(null);

export function useAdmin(): Admin {
  const admin = useContext(AdminContext);
  if (!admin) throw new Error('useAdmin outside the signed-in admin web');
  return admin;
}

/** The chosen unit; pages that follow up a unit are only shown when there is one. */
export function useUnit(): Unit {
  const { unit } = useAdmin();
  if (!unit) throw new Error('a unit page without a unit');
  return unit;
}

export function App({ session, client }: { session: Session; client: Client }) {
  const state = useSession(session);
  const [path, go] = usePath();
  const route = routeOf(path.split('?')[0] ?? '');
  let content: ReactNode;
  if (route.page === 'activate') content = <Activate session={session} onDone={() => go(`${BASE}/`)} />;
  else if (state.status === 'starting') content = <p className="center-page">{texts.loading}</p>;
  else if (state.status === 'signedOut') content = <SignIn session={session} notice={state.notice} />;
  else content = <SignedIn key={state.userId} session={session} userId={state.userId} route={route} />;
  return (
    <Provider value={client}>
      <GoProvider value={go}>{content}</GoProvider>
    </Provider>
  );
}

const UNIT_ROLES: Role[] = ['SOL_ADMIN', 'UNIT_MANAGER'];

function unitsOf(me: AdminMeQuery['me']): Unit[] {
  const units = new Map<string, Unit>();
  for (const role of me.roles) {
    if (UNIT_ROLES.includes(role.role) && role.unit) units.set(role.unit.id, role.unit);
  }
  return [...units.values()].sort((a, b) => a.name.localeCompare(b.name, 'sv'));
}

function SignedIn({ session, userId, route }: { session: Session; userId: string; route: Route }) {
  const me = useRead(AdminMe, {});
  const unitKey = `signa.admin.unit.${userId}`;
  const [chosen, setChosen] = useState(() => localStorage.getItem(unitKey));
  if (!me.data) {
    return (
      <main className="center-page">
        {me.failure ? (
          <>
            <Notice tone="error">{me.failure.text}</Notice>
            <button className="button" onClick={me.refetch}>{texts.retry}</button>
          </>
        ) : (
          <p>{texts.loading}</p>
        )}
      </main>
    );
  }
  const person = me.data.me;
  const units = unitsOf(person);
  const unit = units.find((u) => u.id === chosen) ?? units[0] ?? null;
  const access: Access = {
    unitRoles: new Set(person.roles.filter((r) => unit && r.unitId === unit.id).map((r) => r.role)),
    systemAdmin: person.roles.some((r) => r.role === 'SYSTEM_ADMIN'),
  };
  const start = startPage(access);
  if (!start) {
    return (
      <main className="center-page">
        <h1>{t.title}</h1>
        <Notice tone="info">{t.noRole}</Notice>
        <p>
          <a href="/">{t.toPhone}</a>
        </p>
        <button className="button secondary" onClick={() => void session.logOut()}>{texts.signOut.button}</button>
      </main>
    );
  }
  const choose = (id: string) => {
    localStorage.setItem(unitKey, id);
    setChosen(id);
  };
  const admin: Admin = { me: { id: person.id, name: person.name }, unit, access, units, session };
  return (
    <AdminContext.Provider value={admin}>
      <Frame session={session} route={route} units={units} onChooseUnit={choose}>
        {route.page === 'unknown' ? (
          <Refusal text={t.notFound} />
        ) : route.page === 'activate' ? null : mayOpen(route.page, access) ? (
          <Pages key={`${unit?.id}|${route.page}|${route.id ?? ''}`} route={route} />
        ) : (
          <Refusal text={t.forbidden} />
        )}
      </Frame>
    </AdminContext.Provider>
  );
}

function Refusal({ text }: { text: string }) {
  return (
    <section>
      <h1>{t.title}</h1>
      <Notice tone="warn">{text}</Notice>
      <p>
        <Link to={`${BASE}/`}>{t.toStart}</Link>
      </p>
    </section>
  );
}

function Frame(props: { session: Session; route: Route; units: Unit[]; onChooseUnit: (id: string) => void; children: ReactNode }) {
  const { session, route, units, onChooseUnit, children } = props;
  const { me, unit, access } = useAdmin();
  const current = 'id' in route ? menuPageOf(route.page) : null;
  return (
    <div className="admin">
      <a className="skip-link" href="#content">{t.skipToContent}</a>
      <header className="admin-top">
        <span className="brand">{t.title}</span>
        {units.length > 1 && unit ? (
          <div className="unit-choice">
            <label htmlFor="unit-choice">{t.unit}</label>
            <select id="unit-choice" value={unit.id} onChange={(e) => onChooseUnit(e.target.value)}>
              {units.map((u) => (
                <option key={u.id} value={u.id}>{u.name}</option>
              ))}
            </select>
          </div>
        ) : (
          unit && <span className="unit-name">{unit.name}</span>
        )}
        <span className="person">{me.name}</span>
        <button className="button secondary" onClick={() => void session.logOut()}>{texts.signOut.button}</button>
      </header>
      <nav aria-label={t.menu} className="admin-menu">
        <ul>
          {MENU.filter((page) => mayOpen(page, access)).map((page) => (
            <li key={page}>
              <Link to={pathOf(page)} aria-current={current === page ? 'page' : undefined}>
                {t.pages[page]}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="content" className="admin-main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
