import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { Outlet, ScrollRestoration, useLocation } from 'react-router';
import { LiveUpdates } from '../live/LiveUpdates';
import { useRoles, useSession } from '../session/session';
import { Header } from './Header';
import { Sidebar } from './Sidebar';

/** The page frame: skip link, header, sidebar navigation and the routed page. */
export function AppShell() {
  const session = useSession();
  const roles = useRoles();
  const [menuOpen, setMenuOpen] = useState(false);
  const { pathname } = useLocation();
  const mainRef = useRef<HTMLElement>(null);
  const lastPath = useRef(pathname);

  // After client-side navigation, move focus to the new page so screen readers announce it.
  useEffect(() => {
    if (lastPath.current === pathname) return;
    lastPath.current = pathname;
    mainRef.current?.focus({ preventScroll: true });
  }, [pathname]);

  const closeMenu = () => {
    setMenuOpen(false);
  };
  const onSidebarKey = (event: KeyboardEvent) => {
    if (event.key === 'Escape' && menuOpen) closeMenu();
  };

  return (
    <div className={menuOpen ? 'shell menu-open' : 'shell'}>
      <ScrollRestoration />
      <LiveUpdates />
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <Header
        session={session}
        menuOpen={menuOpen}
        onToggleMenu={() => {
          setMenuOpen((open) => !open);
        }}
      />
      <div className="shell-body">
        {/* Escape closes the phone menu; the links inside are the interactive elements. */}
        {/* eslint-disable-next-line jsx-a11y/no-static-element-interactions */}
        <div id="app-sidebar" className="sidebar" onKeyDown={onSidebarKey}>
          <Sidebar roles={roles} onNavigate={closeMenu} />
        </div>
        {menuOpen && (
          // A pointer convenience only: keyboard users close the menu with Escape or its button.
          <div className="shell-backdrop" aria-hidden="true" onClick={closeMenu} />
        )}
        <main id="main" className="main" ref={mainRef} tabIndex={-1}>
          <div className="main-inner">
            <Outlet />
          </div>
          <footer className="app-footer">
            <p>pqbank · hybrid classical and post-quantum cryptography on every layer</p>
          </footer>
        </main>
      </div>
    </div>
  );
}
