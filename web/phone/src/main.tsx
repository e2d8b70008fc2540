import '@shared/components/base.css';
import './phone.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { anonymousClient, signedInClient } from '@shared/client';
import { Session } from '@shared/session';
import { App } from './app';

const session = new Session(anonymousClient());
const client = signedInClient(session);

if ('serviceWorker' in navigator && import.meta.env.PROD) {
  void navigator.serviceWorker.register('/sw.js', { scope: '/' });
}

void session.restore();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App session={session} client={client} />
  </StrictMode>,
);
