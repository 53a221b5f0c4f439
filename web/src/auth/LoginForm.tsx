import { useId, useState, type SubmitEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { AuthNotice, MessageNotice } from './AuthNotice';
import { login } from './flows';
import { homePath } from './home';
import { authMessageForCode } from './messages';
import { useAuthState } from './useAuth';

type Status = { kind: 'idle' } | { kind: 'busy' } | { kind: 'failed'; error: unknown };

/**
 * Password + device sign-in. The browser signs the server's challenge with its enrolled device
 * key; the password and the signature go to the server, the key never does.
 */
export function LoginForm() {
  const ids = useId();
  const navigate = useNavigate();
  const { ended } = useAuthState();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [status, setStatus] = useState<Status>({ kind: 'idle' });
  const [touched, setTouched] = useState(false);

  const missing = username.trim() === '' || password === '';
  const endedMessage = ended ? authMessageForCode(ended.code) : undefined;

  const onSubmit = async (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setTouched(true);
    if (missing) return;
    setStatus({ kind: 'busy' });
    try {
      const session = await login({ username: username.trim(), password });
      setPassword('');
      await navigate(homePath(session.info.roles));
    } catch (error) {
      setPassword('');
      setStatus({ kind: 'failed', error });
    }
  };

  const busy = status.kind === 'busy';
  return (
    <>
      {endedMessage && status.kind === 'idle' && (
        <MessageNotice message={endedMessage} detail={ended?.detail} />
      )}
      <form
        className="form"
        onSubmit={(e) => {
          void onSubmit(e);
        }}
        noValidate
        aria-busy={busy}
      >
        <div className="field">
          <label htmlFor={`${ids}-username`}>Username</label>
          <input
            id={`${ids}-username`}
            name="username"
            type="text"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            required
            value={username}
            aria-invalid={touched && username.trim() === ''}
            onChange={(e) => {
              setUsername(e.target.value);
            }}
          />
        </div>
        <div className="field">
          <label htmlFor={`${ids}-password`}>Password</label>
          <input
            id={`${ids}-password`}
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            aria-invalid={touched && password === ''}
            onChange={(e) => {
              setPassword(e.target.value);
            }}
          />
        </div>
        <button type="submit" className="button button-primary button-block" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <div aria-live="polite">
        {touched && missing && status.kind !== 'busy' && (
          <p className="notice notice-warn form-result">Enter your username and password.</p>
        )}
        {status.kind === 'failed' && <AuthNotice error={status.error} context="Signing in" />}
      </div>
      <p className="card-subtitle">
        New customer? <Link to="/register">Register this browser</Link>. Have a one-time code from
        the bank? <Link to="/activate">Activate your account</Link>.
      </p>
    </>
  );
}
