import { useState, type FormEvent } from 'react';
import { SessionError, type Session } from '../session';
import { texts } from '../texts';
import { Notice } from './Notice';
import { TextField } from './TextField';

/** The token from the e-mailed link: it stays in the fragment, so no server log ever sees it. */
export function activationToken(hash: string): string | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const token = params.get('token');
  return token && token.trim() ? token.trim() : null;
}

function activationProblem(error: unknown): string {
  if (!(error instanceof SessionError)) return texts.signIn.offline;
  const { code, extensions, message, text } = error.failure;
  if (code !== 'BAD_USER_INPUT') return text;
  if (extensions.field === 'token') return texts.activate.badLink;
  if (/username/i.test(message)) return texts.activate.containsUsername;
  if (/at least/i.test(message)) return texts.activate.tooShort;
  if (/too long/i.test(message)) return texts.activate.tooLong;
  return texts.activate.common;
}

/** Choose a password from the e-mailed activation link; the rules are shown before submitting. */
export function Activate({ session, onDone }: { session: Session; onDone: () => void }) {
  const [token] = useState(() => activationToken(location.hash));
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(token ? null : texts.activate.noToken);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!token) return;
    if (password.length < 12) return setProblem(texts.activate.tooShort);
    if (password.length > 256) return setProblem(texts.activate.tooLong);
    if (password !== repeat) return setProblem(texts.activate.mismatch);
    setBusy(true);
    setProblem(null);
    try {
      await session.activate(token, password);
      // The token is used: keep it out of the address bar and the history.
      history.replaceState(null, '', location.pathname.replace(/activate\/?$/, ''));
      onDone();
    } catch (error) {
      setProblem(activationProblem(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="center-page">
      <h1>{texts.activate.title}</h1>
      <p>{texts.activate.intro}</p>
      {problem && <Notice tone="error">{problem}</Notice>}
      <form onSubmit={submit} noValidate className="card">
        <h2 id="rules-title">{texts.activate.rulesTitle}</h2>
        <ul className="rules" aria-labelledby="rules-title">
          {texts.activate.rules.map((rule) => (
            <li key={rule}>{rule}</li>
          ))}
        </ul>
        <TextField
          id="new-password"
          type="password"
          label={texts.activate.password}
          autoComplete="new-password"
          aria-describedby="rules-title"
          hint={texts.activate.length(password.length)}
          value={password}
          onChange={setPassword}
        />
        <TextField
          id="repeat-password"
          type="password"
          label={texts.activate.repeat}
          autoComplete="new-password"
          value={repeat}
          onChange={setRepeat}
        />
        <button className="button wide" type="submit" disabled={busy || !token}>
          {busy ? texts.activate.busy : texts.activate.submit}
        </button>
      </form>
    </main>
  );
}
