import { Construction, Lock } from 'lucide-react';
import { Link } from 'react-router';
import { PageHeader } from '../components/PageHeader';
import { ROLE_NAV, type NavItem, type Role } from '../navigation/roles';
import { useSession } from '../session/session';

/** A role's area. The features arrive in later issues; access rules apply already. */
export function AreaPage({ role, item }: { role: Role; item: NavItem }) {
  const session = useSession();
  const section = ROLE_NAV[role];
  let body;
  if (!session) {
    body = (
      <div className="empty-state">
        <Lock aria-hidden="true" className="empty-state-icon" />
        <h2>Sign-in required</h2>
        <p>
          This area is for the <strong>{role}</strong> role. Sign in with an enrolled device to open
          it.
        </p>
        <Link to="/" className="button button-primary">
          Go to sign-in
        </Link>
      </div>
    );
  } else if (!session.roles.includes(role)) {
    body = (
      <div className="empty-state">
        <Lock aria-hidden="true" className="empty-state-icon" />
        <h2>Not available to you</h2>
        <p>
          This area is for the <strong>{role}</strong> role, which your account does not hold.
        </p>
      </div>
    );
  } else {
    body = (
      <div className="empty-state">
        <Construction aria-hidden="true" className="empty-state-icon" />
        <h2>Coming soon</h2>
        <p>This area is being built.</p>
      </div>
    );
  }
  return (
    <>
      <PageHeader eyebrow={section.title} title={item.label} description={item.summary} />
      <div className="card">{body}</div>
    </>
  );
}
