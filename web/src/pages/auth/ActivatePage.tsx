import { PageHeader } from '../../components/PageHeader';
import { activate, defaultDeviceName } from '../../auth/flows';
import { EnrollForm, type EnrollField } from './EnrollForm';
import { passwordRule, requiredRule, usernameRule } from './rules';

const FIELDS: readonly EnrollField[] = [
  { name: 'username', label: 'Username', autoComplete: 'username', validate: usernameRule },
  {
    name: 'code',
    label: 'One-time code',
    autoComplete: 'one-time-code',
    hint: 'From the bank (branch or administrator).',
    validate: requiredRule('the one-time code'),
  },
  {
    name: 'newPassword',
    label: 'New password',
    type: 'password',
    autoComplete: 'new-password',
    hint: 'At least 12 characters.',
    validate: passwordRule,
  },
  {
    name: 'deviceName',
    label: 'Name of this device',
    autoComplete: 'off',
    validate: requiredRule('a device name'),
  },
];

/** Activation of an account opened by the bank: sets the password and enrolls this browser. */
export function ActivatePage() {
  return (
    <>
      <PageHeader
        title="Activate your account"
        eyebrow="Onboarded by the bank"
        description="Choose your password and make this browser a device of your account. Its signing key is created here and never leaves the browser."
      />
      <section className="card signin-card" aria-label="Activation">
        <EnrollForm
          fields={FIELDS.map((f) =>
            f.name === 'deviceName' ? { ...f, initial: defaultDeviceName() } : f,
          )}
          submitLabel="Activate and enrol this browser"
          busyLabel="Creating the device key…"
          submit={(v) =>
            activate({
              username: (v.username ?? '').trim(),
              code: (v.code ?? '').trim(),
              newPassword: v.newPassword ?? '',
              deviceName: (v.deviceName ?? '').trim(),
            })
          }
        />
      </section>
    </>
  );
}
