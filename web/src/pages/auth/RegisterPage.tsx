import { PageHeader } from '../../components/PageHeader';
import { defaultDeviceName, register } from '../../auth/flows';
import { EnrollForm, type EnrollField } from './EnrollForm';
import { emailRule, passwordRule, requiredRule, usernameRule } from './rules';

const FIELDS: readonly EnrollField[] = [
  { name: 'username', label: 'Username', autoComplete: 'username', validate: usernameRule },
  {
    name: 'password',
    label: 'Password',
    type: 'password',
    autoComplete: 'new-password',
    hint: 'At least 12 characters.',
    validate: passwordRule,
  },
  {
    name: 'legalName',
    label: 'Full legal name',
    autoComplete: 'name',
    validate: requiredRule('your name'),
  },
  { name: 'email', label: 'Email', type: 'email', autoComplete: 'email', validate: emailRule },
  {
    name: 'deviceName',
    label: 'Name of this device',
    autoComplete: 'off',
    hint: 'Shown in your list of devices.',
    validate: requiredRule('a device name'),
  },
];

/** Customer self-registration: creates the account and enrolls this browser as its device. */
export function RegisterPage() {
  return (
    <>
      <PageHeader
        title="Register"
        eyebrow="New customer"
        description="Open an account and make this browser your first device. It creates a post-quantum signing key that never leaves the browser; the bank certifies its public key."
      />
      <section className="card signin-card" aria-label="Registration">
        <EnrollForm
          fields={FIELDS.map((f) =>
            f.name === 'deviceName' ? { ...f, initial: defaultDeviceName() } : f,
          )}
          submitLabel="Register and enrol this browser"
          busyLabel="Creating the device key…"
          submit={(v) =>
            register({
              username: (v.username ?? '').trim(),
              password: v.password ?? '',
              legalName: (v.legalName ?? '').trim(),
              email: (v.email ?? '').trim(),
              deviceName: (v.deviceName ?? '').trim(),
            })
          }
        />
      </section>
    </>
  );
}
