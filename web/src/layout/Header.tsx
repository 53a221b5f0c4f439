import { LogOut, Menu, ShieldCheck, X } from 'lucide-react';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { logout } from '../auth/flows';
import { BrandMark } from '../components/BrandMark';
import type { Session } from '../session/session';

/** The top bar: menu button (phones), brand, quantum-safe badge and the user. */
export function Header({
  session,
  menuOpen,
  onToggleMenu,
}: {
  session: Session | null;
  menuOpen: boolean;
  onToggleMenu: () => void;
}) {
  const MenuIcon = menuOpen ? X : Menu;
  return (
    <header className="app-header">
      <button
        type="button"
        className="menu-button"
        aria-expanded={menuOpen}
        aria-controls="app-sidebar"
        onClick={onToggleMenu}
      >
        <MenuIcon aria-hidden="true" />
        <span className="sr-only">{menuOpen ? 'Close menu' : 'Open menu'}</span>
      </button>
      <Link to="/" className="brand">
        <BrandMark className="brand-mark" />
        <span className="brand-name">pqbank</span>
      </Link>
      <span className="qs-badge">
        <ShieldCheck aria-hidden="true" className="qs-badge-icon" />
        quantum-safe
      </span>
      <div className="header-end">
        {session ? (
          <>
            <span className="header-user">
              <span className="header-user-name">{session.username}</span>
              <span className="header-user-roles">{session.roles.join(', ')}</span>
            </span>
            <SignOutButton />
          </>
        ) : (
          <Link to="/#sign-in" className="header-link">
            Sign in
          </Link>
        )}
      </div>
    </header>
  );
}

/** Ends the session on the server and in this tab. */
function SignOutButton() {
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);
  const onClick = async () => {
    setBusy(true);
    try {
      await logout();
    } catch {
      // The session is forgotten locally either way; the server expires it too.
    } finally {
      setBusy(false);
      await navigate('/');
    }
  };
  return (
    <button
      type="button"
      className="button button-secondary button-small header-signout"
      disabled={busy}
      onClick={() => {
        void onClick();
      }}
    >
      <LogOut aria-hidden="true" className="inline-icon" />
      Sign out
    </button>
  );
}
