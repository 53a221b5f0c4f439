import { NavLink } from 'react-router';
import { navSectionsFor, PUBLIC_NAV, type NavItem, type Role } from '../navigation/roles';

function NavEntry({ item, onNavigate }: { item: NavItem; onNavigate?: () => void }) {
  const Icon = item.icon;
  return (
    <li>
      <NavLink
        to={item.path}
        end={item.path === '/'}
        className={({ isActive }) => (isActive ? 'nav-link is-active' : 'nav-link')}
        onClick={onNavigate}
      >
        <Icon aria-hidden="true" className="nav-icon" />
        <span>{item.label}</span>
      </NavLink>
    </li>
  );
}

/** The main navigation: public links, then one section per role held. */
export function Sidebar({
  roles,
  onNavigate,
}: {
  roles: readonly Role[];
  /** Called when a link is followed (closes the phone menu). */
  onNavigate?: () => void;
}) {
  const sections = navSectionsFor(roles);
  const entry = (item: NavItem) =>
    onNavigate ? (
      <NavEntry key={item.path} item={item} onNavigate={onNavigate} />
    ) : (
      <NavEntry key={item.path} item={item} />
    );
  return (
    <nav aria-label="Main" className="sidebar-nav">
      <ul className="nav-list">{PUBLIC_NAV.map(entry)}</ul>
      {sections.map((section) => (
        <section
          key={section.role}
          className="nav-section"
          aria-labelledby={`nav-heading-${section.role}`}
        >
          <h2 className="nav-heading" id={`nav-heading-${section.role}`}>
            {section.title}
          </h2>
          <ul className="nav-list">{section.items.map(entry)}</ul>
        </section>
      ))}
      {sections.length === 0 && (
        <p className="nav-hint">Sign in with an enrolled device to see your workspace.</p>
      )}
    </nav>
  );
}
