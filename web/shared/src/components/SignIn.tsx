import { useState, type FormEvent } from 'react';
import { SessionError, type Session } from '../session';
import { texts } from '../texts';
import { Notice } from './Notice';
import { TextField } from './TextField';

function signInProblem(error: unknown): string {
  if (!(error instanceof SessionError)) return texts.signIn.offline;
  const { code, extensions } = error.failure;
  if (code === 'UNAUTHENTICATED' && extensions.reason === 'LOCKED_OUT') {
    const seconds = Number(extensions.retryAfterSeconds ?? 60);
    return texts.signIn.lockedOut(Math.max(1, Math.ceil(seconds / 60)));
  }
  if (code === 'UNAUTHENTICATED') return texts.signIn.wrong;
  if (code === 'NETWORK') return texts.signIn.offline;
  return error.failure.text;
}

/** The log-in form both apps show when nobody is signed in. */
export function SignIn({ session, notice }: { session: Session; notice?: string | undefined }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!username.trim() || !password) {
      setProblem(texts.signIn.missing);
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      await session.logIn(username.trim(), password);
    } catch (error) {
      setProblem(signInProblem(error));
      setPassword('');
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="center-page">
      <h1>{texts.signIn.title}</h1>
      {notice && !problem && <Notice tone="info">{notice}</Notice>}
      {problem && <Notice tone="error">{problem}</Notice>}
      <form onSubmit={submit} noValidate className="card">
        <TextField
          id="username"
          name="username"
          label={texts.signIn.username}
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          value={username}
          onChange={setUsername}
        />
        <TextField
          id="password"
          name="password"
          type="password"
          label={texts.signIn.password}
          autoComplete="current-password"
          value={password}
          onChange={setPassword}
        />
        <button className="button wide" type="submit" disabled={busy}>
          {busy ? texts.signIn.busy : texts.signIn.submit}
        </button>
      </form>
    </main>
  );
}
