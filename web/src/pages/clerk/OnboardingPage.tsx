import { useId, useState, type SubmitEvent } from 'react';
import { Link } from 'react-router';
import { ProblemAlert } from '../../api/ProblemAlert';
import { onboardCustomer, type Onboarded } from '../../api/ledger';
import { PageHeader } from '../../components/PageHeader';
import { RoleGate } from '../../ledger/ui';

interface Form {
  username: string;
  legalName: string;
  email: string;
  address: string;
}

type Errors = Partial<Record<keyof Form, string>>;

/** Checks the onboarding form (the server re-checks every rule). */
function validate(f: Form): Errors {
  const e: Errors = {};
  if (!/^[a-z0-9][a-z0-9._-]{2,31}$/.test(f.username)) {
    e.username = '3 to 32 characters: lower-case letters, digits, dot, dash, underscore.';
  }
  if (f.legalName.trim() === '') e.legalName = 'Enter the customer’s legal name.';
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(f.email)) e.email = 'Enter a valid e-mail address.';
  return e;
}

/** A clerk onboards a customer; the customer activates with the one-time code. */
export function OnboardingPage() {
  return (
    <>
      <PageHeader
        eyebrow="Branch"
        title="Onboarding"
        description="Create a customer after checking their identity. They activate their account with a one-time code on their own device."
      />
      <RoleGate area="clerk">
        <Onboarding />
      </RoleGate>
    </>
  );
}

function Onboarding() {
  const ids = useId();
  const [form, setForm] = useState<Form>({ username: '', legalName: '', email: '', address: '' });
  const [errors, setErrors] = useState<Errors>({});
  const [state, setState] = useState<
    | { kind: 'idle' }
    | { kind: 'busy' }
    | { kind: 'done'; result: Onboarded }
    | { kind: 'failed'; error: unknown }
  >({ kind: 'idle' });

  const onSubmit = async (e: SubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    const found = validate(form);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setState({ kind: 'busy' });
    try {
      const result = await onboardCustomer({
        username: form.username,
        legal_name: form.legalName.trim(),
        email: form.email.trim(),
        ...(form.address.trim() ? { address: form.address.trim() } : {}),
      });
      setState({ kind: 'done', result });
    } catch (error) {
      setState({ kind: 'failed', error });
    }
  };

  if (state.kind === 'done') {
    const { user, activation_code, expires_at } = state.result;
    return (
      <section className="card" aria-label="Customer created" data-testid="onboarded">
        <h2 className="card-title">{user.legal_name} is onboarded</h2>
        <p>
          Username <strong>{user.username}</strong> · customer id{' '}
          <code className="selectable">{user.id}</code>
        </p>
        <p className="notice notice-warn">
          Hand this one-time activation code to the customer. It is shown only now
          {expires_at ? ` and expires ${new Date(expires_at).toLocaleString()}` : ''}.
        </p>
        <p className="activation-code" data-testid="activation-code">
          <code className="selectable">{activation_code}</code>
        </p>
        <div className="button-row">
          <Link className="button button-primary" to={`/clerk/customers?user=${user.id}`}>
            Open an account for {user.username}
          </Link>
          <button
            type="button"
            className="button button-secondary"
            onClick={() => {
              setForm({ username: '', legalName: '', email: '', address: '' });
              setState({ kind: 'idle' });
            }}
          >
            Onboard another customer
          </button>
        </div>
      </section>
    );
  }

  const input = (name: keyof Form, label: string, type = 'text', autoComplete = 'off') => (
    <div className="field">
      <label htmlFor={`${ids}-${name}`}>{label}</label>
      <input
        id={`${ids}-${name}`}
        type={type}
        autoComplete={autoComplete}
        value={form[name]}
        aria-invalid={errors[name] !== undefined}
        aria-describedby={errors[name] ? `${ids}-${name}-error` : undefined}
        onChange={(e) => {
          setForm((f) => ({ ...f, [name]: e.target.value }));
        }}
      />
      {errors[name] && (
        <p className="field-error" id={`${ids}-${name}-error`}>
          {errors[name]}
        </p>
      )}
    </div>
  );

  return (
    <section className="card" aria-label="New customer">
      <form
        className="form"
        noValidate
        onSubmit={(e) => {
          void onSubmit(e);
        }}
      >
        {input('username', 'Username')}
        {input('legalName', 'Legal name')}
        {input('email', 'E-mail', 'email')}
        {input('address', 'Postal address (optional)')}
        <button type="submit" className="button button-primary" disabled={state.kind === 'busy'}>
          {state.kind === 'busy' ? 'Creating…' : 'Create customer'}
        </button>
      </form>
      {state.kind === 'failed' && (
        <ProblemAlert error={state.error} context="The customer was not created" />
      )}
    </section>
  );
}
