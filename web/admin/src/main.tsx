import '@shared/components/base.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { anonymousClient } from '@shared/client';
import { Session } from '@shared/session';
import { App } from './app';

const session = new Session(anonymousClient());
void session.restore();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App session={session} />
  </StrictMode>,
);
