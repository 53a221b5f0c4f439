import { Activity, FileBadge, ScrollText, ShieldCheck } from 'lucide-react';
import { useId } from 'react';
import { Link } from 'react-router';
import { homePath } from '../auth/home';
import { LoginForm } from '../auth/LoginForm';
import { usePageTitle } from '../components/usePageTitle';
import { useSession } from '../session/session';

const FEATURES = [
  {
    icon: ShieldCheck,
    title: 'Hybrid signatures',
    text: 'Every operation is signed with ML-DSA and a classical algorithm together, so it stays valid if either one falls.',
  },
  {
    icon: FileBadge,
    title: 'Device-bound sign-in',
    text: "Staff and customers sign in with devices enrolled through the bank's hybrid certificate authority.",
  },
  {
    icon: ScrollText,
    title: 'Tamper-evident audit log',
    text: 'A Merkle log with signed checkpoints records every change, and anyone with a checkpoint can verify it.',
  },
] as const;

/** The public landing page with the sign-in form. */
export function LandingPage() {
  usePageTitle('Sign in');
  const ids = useId();
  const session = useSession();

  return (
    <div className="landing">
      <section className="landing-intro" aria-labelledby={`${ids}-title`}>
        <p className="eyebrow">Quantum-safe banking</p>
        <h1 id={`${ids}-title`} className="landing-title">
          Banking that stays secure after the quantum computer arrives.
        </h1>
        <p className="landing-lead">
          pqbank protects accounts, transfers and records with hybrid classical and post-quantum
          cryptography on every layer.
        </p>
        <ul className="feature-list">
          {FEATURES.map(({ icon: Icon, title, text }) => (
            <li key={title} className="feature">
              <span className="feature-icon">
                <Icon aria-hidden="true" />
              </span>
              <span>
                <span className="feature-title">{title}</span>
                <span className="feature-text">{text}</span>
              </span>
            </li>
          ))}
        </ul>
        <p className="landing-status-link">
          <Activity aria-hidden="true" className="inline-icon" />
          <Link to="/status">View system status</Link>
        </p>
      </section>

      <section id="sign-in" className="card signin-card" aria-labelledby={`${ids}-signin`}>
        <h2 id={`${ids}-signin`} className="card-title">
          Sign in
        </h2>
        {session ? (
          <SignedIn username={session.username} home={homePath(session.roles)} />
        ) : (
          <>
            <p className="card-subtitle">For customers and bank staff.</p>
            <LoginForm />
          </>
        )}
      </section>
    </div>
  );
}

function SignedIn({ username, home }: { username: string; home: string }) {
  return (
    <>
      <p className="card-subtitle">
        You are signed in as <strong>{username}</strong> with this browser&apos;s device key.
      </p>
      <Link to={home} className="button button-primary button-block">
        Continue
      </Link>
    </>
  );
}
