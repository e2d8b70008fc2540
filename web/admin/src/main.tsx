import '@shared/components/base.css';
import './admin.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { anonymousClient, LiveStatus, signedInClient } from '@shared/client';
import { Session } from '@shared/session';
import { App } from './app';
import { LiveStatusContext } from './livefeed';

const session = new Session(anonymousClient());
const live = new LiveStatus();
const client = signedInClient(session, live);
void session.restore();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <LiveStatusContext.Provider value={live}>
      <App session={session} client={client} />
    </LiveStatusContext.Provider>
  </StrictMode>,
);
