import '@fontsource-variable/inter';
import './styles/global.css';
import './styles/auth.css';
import './styles/ledger.css';
import './styles/staff.css';
import './styles/security.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { restoreSession } from './auth/sessionPersistence';

const root = document.getElementById('root');
if (!root) throw new Error('missing #root element');
// A reload keeps the tab signed in (the session is stored encrypted in sessionStorage).
await Promise.race([
  restoreSession().catch(() => false),
  new Promise((resolve) => setTimeout(resolve, 3000)),
]);
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
