// The phone app's frame: who is signed in, which unit, which screen, and the queue's sending.
import { createContext, useContext, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import type { Client } from '@urql/core';
import { Activate } from '@shared/components/Activate';
import { Notice } from '@shared/components/Notice';
import { SignIn } from '@shared/components/SignIn';
import { useSession } from '@shared/components/useSession';
import { useCachedQuery } from '@shared/cached';
import type { MeQuery } from '@shared/gql/graphql';
import type { Session } from '@shared/session';
import { texts } from '@shared/texts';
import { AlarmsScreen, useOpenAlarms, type OpenAlarms } from './alarms';
import { Me } from './operations';
import { PrnScreen } from './prn';
import { SigningQueue } from './queue';
import { sender } from './sending';
import { useSyncing } from './syncing';
import { WorklistScreen } from './worklist';

export type Unit = { id: string; name: string; timezone: string };
export type Person = { id: string; name: string };

export type Phone = {
  client: Client;
  queue: SigningQueue;
  me: Person;
  unit: Unit;
  online: boolean;
};

const PhoneContext = createContext<Phone | null>(null);

export function usePhone(): Phone {
  const phone = useContext(PhoneContext);
  if (!phone) throw new Error('usePhone outside the signed-in app');
  return phone;
}

export function useQueueItems(queue: SigningQueue) {
  return useSyncExternalStore(queue.subscribe, queue.list);
}

type Route = 'today' | 'prn' | 'alarms';
const PATHS: Record<Route, string> = { today: '/', prn: '/vid-behov', alarms: '/larm' };

function routeOf(pathname: string): Route | 'activate' {
  if (pathname.startsWith('/activate')) return 'activate';
  if (pathname.startsWith(PATHS.prn)) return 'prn';
  if (pathname.startsWith(PATHS.alarms)) return 'alarms';
  return 'today';
}

function usePath(): [string, (path: string) => void] {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const back = () => setPath(location.pathname);
    addEventListener('popstate', back);
    return () => removeEventListener('popstate', back);
  }, []);
  return [
    path,
    (next) => {
      history.pushState(null, '', next);
      setPath(next);
    },
  ];
}

function useOnline(): boolean {
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    const up = () => setOnline(true);
    const down = () => setOnline(false);
    addEventListener('online', up);
    addEventListener('offline', down);
    return () => {
      removeEventListener('online', up);
      removeEventListener('offline', down);
    };
  }, []);
  return online;
}

export function App({ session, client }: { session: Session; client: Client }) {
  const state = useSession(session);
  const [path, go] = usePath();
  const route = routeOf(path);

  if (route === 'activate') return <Activate session={session} onDone={() => go('/')} />;
  if (state.status === 'starting') return <p className="center-page">{texts.loading}</p>;
  if (state.status === 'signedOut') return <SignIn session={session} notice={state.notice} />;
  return <SignedIn key={state.userId} session={session} client={client} userId={state.userId} route={route} go={go} />;
}


const SIGNING_ROLES = new Set(['CARE_STAFF', 'SOL_ADMIN', 'UNIT_MANAGER']);

function unitsOf(me: MeQuery['me']): Unit[] {
  const units = new Map<string, Unit>();
  for (const role of me.roles) {
    if (SIGNING_ROLES.has(role.role) && role.unit) units.set(role.unit.id, role.unit);
  }
  return [...units.values()].sort((a, b) => a.name.localeCompare(b.name, 'sv'));
}

function SignedIn(props: { session: Session; client: Client; userId: string; route: Route; go: (p: string) => void }) {
  const { session, client, userId, route, go } = props;
  const queue = useMemo(() => new SigningQueue(userId, sender(client)), [userId, client]);
  const online = useOnline();
  const me = useCachedQuery(client, Me, {}, `me|${userId}`);
  const unitKey = `signa.unit.${userId}`;
  const [chosen, setChosen] = useState(() => localStorage.getItem(unitKey));
  useSyncing(queue, session);
  const units = me.data ? unitsOf(me.data.me) : [];
  const unit = units.find((u) => u.id === chosen) ?? (units.length === 1 ? units[0] : undefined);
  const alarms = useOpenAlarms(client, unit?.id ?? null, userId);

  if (!me.data) {
    if (me.failure) {
      return (
        <main className="center-page">
          <Notice tone="error">{me.failure.text}</Notice>
          <button className="button" onClick={() => void me.refetch()}>{texts.retry}</button>
        </main>
      );
    }
    return <p className="center-page">{texts.loading}</p>;
  }
  const choose = (id: string | null) => {
    if (id) localStorage.setItem(unitKey, id);
    else localStorage.removeItem(unitKey);
    setChosen(id);
  };

  if (units.length === 0) {
    return (
      <main className="center-page">
        <Notice tone="warn">{texts.noUnit}</Notice>
        <p>
          <a href="/admin/">{texts.toAdmin}</a>
        </p>
        <SignOutButton session={session} queue={queue} />
      </main>
    );
  }
  if (!unit) return <UnitPicker units={units} onChoose={choose} />;

  const phone: Phone = { client, queue, me: { id: me.data.me.id, name: me.data.me.name }, unit, online };
  return (
    <PhoneContext.Provider value={phone}>
      <Frame session={session} route={route} go={go} units={units} alarms={alarms} onSwitchUnit={() => choose(null)}>
        {route === 'today' && <WorklistScreen />}
        {route === 'prn' && <PrnScreen />}
        {route === 'alarms' && <AlarmsScreen alarms={alarms} />}
      </Frame>
    </PhoneContext.Provider>
  );
}

function UnitPicker({ units, onChoose }: { units: Unit[]; onChoose: (id: string) => void }) {
  return (
    <main className="center-page">
      <h1>{texts.chooseUnit}</h1>
      <ul className="plain-list">
        {units.map((unit) => (
          <li key={unit.id}>
            <button className="button secondary wide" onClick={() => onChoose(unit.id)}>
              {unit.name}
            </button>
          </li>
        ))}
      </ul>
    </main>
  );
}

function SignOutButton({ session, queue }: { session: Session; queue: SigningQueue }) {
  const [asking, setAsking] = useState(0);
  const waiting = useQueueItems(queue).filter((item) => item.state === 'pending').length;
  if (asking > 0) {
    return (
      <div className="card sign-out-warning" role="alertdialog" aria-labelledby="sign-out-text">
        <p id="sign-out-text">{texts.signOut.queuedWarning(asking)}</p>
        <div className="actions">
          <button className="button danger" onClick={() => void session.logOut()}>{texts.signOut.confirm}</button>
          <button className="button secondary" onClick={() => setAsking(0)}>{texts.cancel}</button>
        </div>
      </div>
    );
  }
  return (
    <button
      className="button secondary"
      onClick={() => (waiting > 0 ? setAsking(waiting) : void session.logOut())}
    >
      {texts.signOut.button}
    </button>
  );
}

function Frame(props: {
  session: Session;
  route: Route;
  go: (p: string) => void;
  units: Unit[];
  alarms: OpenAlarms;
  onSwitchUnit: () => void;
  children: React.ReactNode;
}) {
  const { session, route, go, units, alarms, onSwitchUnit, children } = props;
  const { queue, me, unit, online } = usePhone();
  const tab = (to: Route, label: string) => (
    <a
      href={PATHS[to]}
      className={`tab${route === to ? ' current' : ''}`}
      aria-current={route === to ? 'page' : undefined}
      onClick={(event) => {
        event.preventDefault();
        go(PATHS[to]);
      }}
    >
      {label}
    </a>
  );
  return (
    <div className="phone">
      <header className="top">
        <div className="who">
          <span className="unit-name">{unit.name}</span>
          <span className="person">{me.name}</span>
        </div>
        <div className="top-actions">
          {units.length > 1 && (
            <button className="button quiet" onClick={onSwitchUnit}>{texts.phone.switchUnit}</button>
          )}
          <SignOutButton session={session} queue={queue} />
        </div>
      </header>
      {!online && <Notice tone="warn">{texts.phone.offline}</Notice>}
      <main className="content">{children}</main>
      <nav className="tabs" aria-label={texts.phone.navigation}>
        {tab('today', texts.phone.tabs.today)}
        {tab('prn', texts.phone.tabs.prn)}
        {tab('alarms', alarms.count === null ? texts.phone.tabs.alarms : texts.phone.tabs.alarmsWithCount(alarms.count))}
      </nav>
    </div>
  );
}
