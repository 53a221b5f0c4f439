// Auditor and admin end to end against a real pqbank server, in two browser contexts:
// the bootstrap admin activates this browser, creates a staff user as clerk and changes the role
// to auditor; the auditor activates their browser, mistypes the password twice (each failed
// login raises a security event), signs in, verifies an audit entry's inclusion proof against
// the latest signed checkpoint in the browser and acknowledges a failed-login alert; the admin
// revokes the auditor's device certificate and the auditor's next request is refused.
//
// Needs PQBANK_E2E_URL and PQBANK_E2E_ADMIN_CODE (the bootstrap admin's one-time code,
// printed once by `pqbank serve` on a fresh data directory; scripts/e2e.sh passes it).
import {
  activateStaff,
  devicePrivateKeyHex,
  enroll,
  PASSWORD,
  shot,
  signIn,
  spellings,
} from './bank.mjs';

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

function nav(page, name) {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
}

/** Console lines of expected refusals (wrong password, revoked device), dropped from `problems`. */
function dropExpected(problems, statuses) {
  const expected = new RegExp(`status of (${statuses.join('|')})`);
  for (let i = problems.length - 1; i >= 0; i--) {
    if (expected.test(problems[i])) problems.splice(i, 1);
  }
}

export async function staffScenario({ base, open, shots, adminCode }) {
  const run = Date.now().toString(36);
  const auditor = `aud-${run}`;

  // --- admin: activate, create a staff user (clerk), change the role to auditor ---
  const admin = await open('admin');
  const ap = admin.page;
  await activateStaff(ap, base, 'admin', adminCode);
  await ap.getByRole('heading', { level: 1, name: 'Users & roles' }).waitFor();
  await ap.getByLabel('Username').fill(auditor);
  await ap.getByLabel('Legal name').fill('Audrey Auditor');
  await ap.getByLabel('E-mail').fill(`${auditor}@pqbank.invalid`);
  await ap.getByLabel('Branch (clerks and managers)').fill('E2E');
  await ap.getByRole('button', { name: 'Create user' }).click();
  const code = (await ap.getByTestId('activation-code').textContent()).trim();
  assert(code.length >= 8, `activation code ${JSON.stringify(code)}`);
  const row = ap.locator(`tr[data-username="${auditor}"]`);
  await row.getByTestId('user-roles').filter({ hasText: 'clerk' }).waitFor();
  const auditorId = await row.getAttribute('data-user-id');
  assert(auditorId, 'the new user has no id');
  await row.getByRole('button', { name: 'Edit roles' }).click();
  await row.getByRole('checkbox', { name: 'clerk' }).uncheck();
  await row.getByRole('checkbox', { name: 'auditor' }).check();
  await row.getByRole('button', { name: 'Save roles' }).click();
  await row
    .getByTestId('user-roles')
    .filter({ hasText: /^auditor$/ })
    .waitFor();
  await shot(ap, shots, 'admin-users');

  // --- auditor: activate, two wrong passwords, sign in ---
  const aud = await open('auditor');
  const up = aud.page;
  await enroll(
    up,
    base,
    '/activate',
    [
      ['Username', auditor],
      ['One-time code', code],
      ['New password', PASSWORD],
    ],
    'Activate and enrol this browser',
    auditor,
  );
  await up.goto(`${base}/`, { waitUntil: 'domcontentloaded' });
  for (let i = 0; i < 2; i++) {
    await up.getByLabel('Username').fill(auditor);
    await up.getByLabel('Password').fill(`${PASSWORD} wrong ${i}`);
    await up.getByRole('button', { name: 'Sign in' }).click();
    await up.getByText('Wrong username or password.').waitFor();
  }
  await signIn(up, base, auditor);

  // --- auditor: verify an inclusion proof in the browser ---
  await up.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
  await up.getByTestId('audit-entries').waitFor();
  const verify = up.getByTestId('audit-entries').getByRole('button', { name: /^Verify #/ });
  await verify.first().click();
  const result = up.locator('[data-testid="proof-result"]');
  await result.waitFor();
  assert(
    (await result.getAttribute('data-ok')) === 'true',
    `inclusion proof: ${await result.textContent()}`,
  );
  await shot(up, shots, 'auditor-log');

  // --- auditor: acknowledge an alert raised by the failed logins ---
  await nav(up, 'Alerts').click();
  const events = up.getByTestId('security-events');
  const alert = events
    .locator('tr[data-kind="auth.invalid_credentials"][data-status="open"]')
    .first();
  await alert.waitFor();
  const alertId = await alert.getAttribute('data-id');
  await up.getByTestId('alerts-chart').locator('.recharts-surface').first().waitFor();
  await shot(up, shots, 'auditor-alerts');
  await alert.getByRole('button', { name: 'Acknowledge' }).click();
  const ackForm = alert.getByRole('form', { name: `Acknowledge alert ${alertId}` });
  await ackForm.getByLabel('Note (optional)').fill('Seen in the e2e run');
  await ackForm.getByRole('button', { name: 'Acknowledge' }).click();
  await up.getByLabel('Status', { exact: true }).selectOption('all');
  await events.locator(`tr[data-id="${alertId}"][data-status="acknowledged"]`).waitFor();

  // The live stream authenticates with the session cookie (EventSource cannot send headers).
  await up.locator('[data-testid="live-state"][data-state="live"]').waitFor({ timeout: 15_000 });

  await nav(up, 'Checkpoints').click();
  await up.getByRole('button', { name: 'Sign a checkpoint now' }).click();
  await up.locator('pre.payload').waitFor();
  await shot(up, shots, 'auditor-checkpoints');

  // --- admin: security settings, CA, then revoke the auditor's device certificate ---
  await nav(ap, 'Security settings').click();
  await ap.getByLabel('Pending approvals expire after (hours)').waitFor();
  await shot(ap, shots, 'admin-security');
  await nav(ap, 'CA').click();
  await ap.getByRole('heading', { name: 'Issuing CA' }).waitFor();
  await shot(ap, shots, 'admin-ca');
  await nav(ap, 'Certificates').click();
  const certs = ap.getByTestId('certificates');
  const cert = certs
    .locator(`tr[data-user="${auditorId}"]`)
    .filter({ hasText: 'signature' })
    .first();
  await cert.waitFor();
  const serial = await cert.getAttribute('data-serial');
  await cert.getByRole('button', { name: 'Revoke' }).click();
  await shot(ap, shots, 'admin-certificates');
  await cert.getByRole('button', { name: 'Revoke certificate' }).click();
  await certs.locator(`tr[data-serial="${serial}"]`).waitFor({ state: 'detached' });

  // --- the auditor's open session is refused at its next request: the revocation ended it and
  // the server names the reason ---
  // The body is read as soon as the response arrives: the app navigates away right after it,
  // and a body is gone once its page has navigated.
  let refusal = null;
  const refused = up.waitForResponse(async (r) => {
    if (!(r.url().includes('/api/v1/') && r.status() === 403)) return false;
    refusal = await r.json().catch(() => null);
    return refusal !== null;
  });
  await up.reload({ waitUntil: 'domcontentloaded' });
  await refused;
  assert(refusal.code === 'device_revoked', `open session: ${JSON.stringify(refusal)}`);
  await shot(up, shots, 'auditor-revoked');
  dropExpected(aud.problems, [401, 403]);

  // --- no private key material in any request of either context ---
  let checked = 0;
  for (const [ctx, user] of [
    [admin, 'admin'],
    [aud, auditor],
  ]) {
    const hex = await devicePrivateKeyHex(ctx.page, user);
    assert(hex && hex.length === 128, `could not read ${user}'s device key for the check`);
    const needles = spellings(hex);
    for (const who of [admin, aud]) {
      for (const r of who.requests) {
        const hay = `${r.url}\n${r.headers}\n${r.body}`;
        for (const needle of needles) {
          assert(!hay.includes(needle), `${user}'s private key was sent in a request to ${r.url}`);
        }
        checked++;
      }
    }
  }
  return `${checked} request checks, alert ${alertId} acknowledged, certificate ${serial} revoked`;
}
