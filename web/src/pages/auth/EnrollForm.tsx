import { CircleCheck } from 'lucide-react';
import { useId, useState, type SubmitEvent } from 'react';
import { Link } from 'react-router';
import { AuthNotice } from '../../auth/AuthNotice';
import type { Enrolled } from '../../auth/flows';

/** One text field of an enrollment form. */
export interface EnrollField {
  name: string;
  label: string;
  type?: 'text' | 'password' | 'email';
  autoComplete: string;
  hint?: string;
  /** Initial value. */
  initial?: string;
  /** An error message, or `null` when the value is acceptable. */
  validate: (value: string) => string | null;
}

type Status =
  | { kind: 'idle' }
  | { kind: 'busy' }
  | { kind: 'failed'; error: unknown }
  | { kind: 'done'; enrolled: Enrolled };

/**
 * A form that creates a device key in this browser, sends a CSR with the given fields and stores
 * the enrolled device. Used by registration and activation.
 */
export function EnrollForm({
  fields,
  submitLabel,
  busyLabel,
  submit,
}: {
  fields: readonly EnrollField[];
  submitLabel: string;
  busyLabel: string;
  submit: (values: Readonly<Record<string, string>>) => Promise<Enrolled>;
}) {
  const ids = useId();
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(fields.map((f) => [f.name, f.initial ?? ''])),
  );
  const [touched, setTouched] = useState(false);
  const [status, setStatus] = useState<Status>({ kind: 'idle' });

  const errors = Object.fromEntries(
    fields.map((f) => [f.name, f.validate(values[f.name] ?? '')] as const),
  );
  const valid = Object.values(errors).every((e) => e === null);

  const onSubmit = async (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setTouched(true);
    if (!valid) return;
    setStatus({ kind: 'busy' });
    try {
      setStatus({ kind: 'done', enrolled: await submit(values) });
    } catch (error) {
      setStatus({ kind: 'failed', error });
    }
  };

  if (status.kind === 'done') {
    const e = status.enrolled;
    return (
      <div className="notice notice-info form-result" role="status">
        <CircleCheck aria-hidden="true" className="notice-icon" />
        <div>
          <p className="notice-title">This browser is now a device of {e.user.username}.</p>
          <dl className="facts">
            <div>
              <dt>Device</dt>
              <dd>
                <code className="selectable">{e.deviceId}</code>
              </dd>
            </div>
            <div>
              <dt>Certificate serial</dt>
              <dd>
                <code className="selectable">{e.certificateSerial}</code>
              </dd>
            </div>
            {e.notAfter && (
              <div>
                <dt>Valid until</dt>
                <dd>{e.notAfter}</dd>
              </div>
            )}
          </dl>
          <p>
            Its private key stays in this browser, encrypted.{' '}
            <Link to="/#sign-in">Sign in now</Link>.
          </p>
        </div>
      </div>
    );
  }

  const busy = status.kind === 'busy';
  return (
    <>
      <form
        className="form"
        noValidate
        aria-busy={busy}
        onSubmit={(e) => {
          void onSubmit(e);
        }}
      >
        {fields.map((f) => {
          const id = `${ids}-${f.name}`;
          const error = touched ? errors[f.name] : null;
          const described = [f.hint ? `${id}-hint` : '', error ? `${id}-error` : '']
            .filter(Boolean)
            .join(' ');
          return (
            <div className="field" key={f.name}>
              <label htmlFor={id}>{f.label}</label>
              <input
                id={id}
                name={f.name}
                type={f.type ?? 'text'}
                autoComplete={f.autoComplete}
                autoCapitalize="none"
                spellCheck={false}
                required
                value={values[f.name] ?? ''}
                aria-invalid={Boolean(error)}
                {...(described ? { 'aria-describedby': described } : {})}
                onChange={(e) => {
                  const value = e.target.value;
                  setValues((v) => ({ ...v, [f.name]: value }));
                }}
              />
              {f.hint && (
                <p id={`${id}-hint`} className="muted">
                  {f.hint}
                </p>
              )}
              {error && (
                <p id={`${id}-error`} className="field-error">
                  {error}
                </p>
              )}
            </div>
          );
        })}
        <button type="submit" className="button button-primary button-block" disabled={busy}>
          {busy ? busyLabel : submitLabel}
        </button>
      </form>
      <div aria-live="polite">
        {status.kind === 'failed' && <AuthNotice error={status.error} />}
      </div>
    </>
  );
}
