import { Activity, FileBadge, Info, ScrollText, ShieldCheck } from 'lucide-react';
import { useId, useState, type SubmitEvent } from 'react';
import { Link } from 'react-router';
import { usePageTitle } from '../components/usePageTitle';

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
  const [attempted, setAttempted] = useState(false);
  const ids = useId();
  const noticeId = `${ids}-notice`;

  const onSubmit = (event: SubmitEvent<HTMLFormElement>) => {
    // Nothing is sent: there is no password login, device login comes with the identity feature.
    event.preventDefault();
    setAttempted(true);
  };

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
        <p className="card-subtitle">For customers and bank staff.</p>
        <div className="notice notice-info" id={noticeId}>
          <Info aria-hidden="true" className="notice-icon" />
          <p>
            Device login arrives with the identity feature. Until then, sign-in is not available.
          </p>
        </div>
        <form className="form" onSubmit={onSubmit} aria-describedby={noticeId} noValidate>
          <div className="field">
            <label htmlFor={`${ids}-username`}>Username</label>
            <input
              id={`${ids}-username`}
              name="username"
              type="text"
              autoComplete="username"
              autoCapitalize="none"
              spellCheck={false}
            />
          </div>
          <div className="field">
            <label htmlFor={`${ids}-password`}>Password</label>
            <input
              id={`${ids}-password`}
              name="password"
              type="password"
              autoComplete="current-password"
            />
          </div>
          <button type="submit" className="button button-primary button-block">
            Sign in
          </button>
        </form>
        <div aria-live="polite">
          {attempted && (
            <p className="notice notice-warn form-result">
              Sign-in is not available yet: device login arrives with the identity feature. Nothing
              was sent.
            </p>
          )}
        </div>
      </section>
    </div>
  );
}
