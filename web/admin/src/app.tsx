// The admin web's frame. Its screens (overview, alarms, deviations, interventions, role
// orders, reports, the access log) come next; sign-in is the one both apps share.
import { Activate } from '@shared/components/Activate';
import { SignIn } from '@shared/components/SignIn';
import { useSession } from '@shared/components/useSession';
import type { Session } from '@shared/session';
import { texts } from '@shared/texts';

export function App({ session }: { session: Session }) {
  const state = useSession(session);
  if (location.pathname.startsWith('/admin/activate')) {
    return <Activate session={session} onDone={() => history.replaceState(null, '', '/admin/')} />;
  }
  if (state.status === 'starting') return <p className="center-page">{texts.loading}</p>;
  if (state.status === 'signedOut') return <SignIn session={session} notice={state.notice} />;
  return (
    <main className="center-page">
      <h1>{texts.admin.title}</h1>
      <p>{texts.admin.comingSoon}</p>
      <p>
        <a href="/">{texts.admin.toPhone}</a>
      </p>
      <button className="button secondary" onClick={() => void session.logOut()}>
        {texts.signOut.button}
      </button>
    </main>
  );
}
