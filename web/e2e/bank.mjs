// The bank end to end, in three browser contexts (three devices) against a real pqbank server:
// a customer registers and enrolls this browser; a clerk activates, onboards a customer, opens
// accounts and deposits cash; the customer sends a small transfer (posted) and a large one
// (pending approval); a manager in another context sees it in the live queue and approves it
// with a browser signature; the customer's page shows it posted. Every request of every context
// is recorded, and at the end each context's device private key (decrypted inside its page from
// IndexedDB) is searched for in all of them: it must never have been sent.
//
// Needs PQBANK_E2E_URL and the one-time codes of a clerk and a manager (PQBANK_E2E_CLERK_CODE,
// PQBANK_E2E_MANAGER_CODE; scripts/e2e.sh creates both with `pqbank admin create-user`).
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

// Fresh per run (the server refuses well-known passwords).
const PASSWORD = `e2e ${randomBytes(9).toString('base64url')} quasar lattice`;

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/** Records url, headers and body of every request of a context. */
function recordRequests(context) {
  const requests = [];
  context.on('request', (request) => {
    const body = request.postDataBuffer();
    requests.push({
      url: request.url(),
      headers: JSON.stringify(request.headers()),
      body: body ? body.toString('latin1') : '',
    });
  });
  return requests;
}

/**
 * The device private key of `username`, decrypted in the page from the app's IndexedDB store
 * with its non-extractable wrapping key (same AAD as src/auth/deviceStore.ts). Test-only.
 */
async function devicePrivateKeyHex(page, username) {
  return page.evaluate(async (user) => {
    const db = await new Promise((resolve, reject) => {
      const open = indexedDB.open('pqbank', 1);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const get = (key) =>
      new Promise((resolve, reject) => {
        const req = db.transaction('device-keys').objectStore('device-keys').get(key);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    const wrapping = await get('wrapping-key/v1');
    const record = await get(`device/${user}`);
    if (!wrapping || !record) return null;
    const enc = new TextEncoder();
    const name = enc.encode(user);
    const len = new Uint8Array([
      (name.length >>> 24) & 255,
      (name.length >>> 16) & 255,
      (name.length >>> 8) & 255,
      name.length & 255,
    ]);
    const parts = [enc.encode('pqbank device key v1'), len, name, enc.encode(record.publicKeyHex)];
    const aad = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      aad.set(p, at);
      at += p.length;
    }
    const plain = new Uint8Array(
      await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: new Uint8Array(record.sealed.iv), additionalData: aad },
        wrapping,
        new Uint8Array(record.sealed.ciphertext),
      ),
    );
    return [...plain].map((b) => b.toString(16).padStart(2, '0')).join('');
  }, username);
}

/** Every spelling of key material a client might leak (hex, base64, base64url; whole and halves). */
function spellings(hex) {
  const bytes = Buffer.from(hex, 'hex');
  const pieces = [bytes, bytes.subarray(0, 32), bytes.subarray(32)];
  return pieces.flatMap((p) => [
    p.toString('hex'),
    p.toString('hex').toUpperCase(),
    p.toString('base64').replace(/=+$/, ''),
    p.toString('base64url'),
  ]);
}

async function shot(page, dir, name) {
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

async function signIn(page, base, username) {
  await page.goto(`${base}/`, { waitUntil: 'domcontentloaded' });
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.header-user-name', { hasText: username }).waitFor();
}

async function enroll(page, base, path, fields, submit, username) {
  await page.goto(`${base}${path}`, { waitUntil: 'domcontentloaded' });
  for (const [label, value] of fields) {
    await page.getByLabel(label, { exact: true }).fill(value);
  }
  await page.getByRole('button', { name: submit }).click();
  await page.getByText(`This browser is now a device of ${username}.`).waitFor({ timeout: 60_000 });
}

async function activateStaff(page, base, username, code) {
  await enroll(
    page,
    base,
    '/activate',
    [
      ['Username', username],
      ['One-time code', code],
      ['New password', PASSWORD],
    ],
    'Activate and enrol this browser',
    username,
  );
  await signIn(page, base, username);
}

/** Review → Sign and send, on the current page; returns the result card's text. */
async function signAndSend(page) {
  await page.getByTestId('canonical-payload').waitFor();
  await page.getByRole('button', { name: 'Sign and send' }).click();
  const result = page.getByTestId('transfer-result');
  await result.waitFor({ timeout: 30_000 });
  return result.textContent();
}

/**
 * My activity: verify, in the browser, the newest of the customer's events that the latest
 * signed checkpoint covers. Customers cannot sign a checkpoint on demand (the server signs one
 * every N events or T seconds, or when none exists yet), so: verify the newest event; if it is
 * not yet covered, the answer names the checkpoint's size, and the newest event below it is
 * verified instead. Without any covered event the step is skipped with its reason.
 */
async function verifyOwnActivity(page, base) {
  await page.goto(`${base}/activity`, { waitUntil: 'domcontentloaded' });
  const table = page.getByTestId('my-activity');
  await table.waitFor();
  const rows = table.locator('tr[data-index]');
  // Oldest first: load every page.
  const more = page.getByRole('button', { name: 'Load more' });
  for (let i = 0; i < 20 && (await more.count()) > 0; i++) {
    const before = await rows.count();
    await more.click();
    await page.waitForFunction(
      (n) =>
        document.querySelectorAll('[data-testid="my-activity"] tr[data-index]').length > n ||
        ![...document.querySelectorAll('button')].some((b) =>
          /^(Load more|Loading…)$/.test(b.textContent ?? ''),
        ),
      before,
    );
  }
  const indexes = (await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.index))))
    .filter((n) => Number.isInteger(n))
    .sort((a, b) => a - b);
  assert(indexes.length > 0, 'My activity lists no events');
  const verifyRow = async (index) => {
    const row = table.locator(`tr[data-index="${index}"]`);
    await row.getByRole('button', { name: new RegExp(`^Verify event #${index}\\b`) }).click();
    const result = row.getByTestId('activity-verify-result');
    await result.waitFor({ timeout: 30_000 });
    return {
      state: await result.getAttribute('data-state'),
      size: Number(await result.getAttribute('data-checkpoint-size')),
      text: await result.textContent(),
    };
  };
  let index = indexes[indexes.length - 1];
  let outcome = await verifyRow(index);
  if (outcome.state === 'pending') {
    const covered = indexes.filter((i) => i < outcome.size);
    if (covered.length === 0) {
      const reason = `my activity: no event of the customer is in the latest checkpoint (${outcome.size} entries) yet; verification skipped`;
      console.log(`    note: ${reason}`);
      return reason;
    }
    index = covered[covered.length - 1];
    outcome = await verifyRow(index);
  }
  assert(outcome.state === 'verified', `my activity, event #${index}: ${outcome.text}`);
  assert(
    outcome.text.includes('Checkpoint signature verified (ML-DSA-65 + Ed25519, key '),
    `my activity, checkpoint signature: ${outcome.text}`,
  );
  await table.locator(`tr[data-index="${index}"]`).scrollIntoViewIfNeeded();
  return `own event #${index} verified against a signed checkpoint of ${outcome.size} entries`;
}

/** The scenario; `open(name)` gives a watched page in a new browser context. */
export async function bankScenario({ base, open, shots, clerkCode, managerCode }) {
  const run = Date.now().toString(36);
  const alice = `alice-${run}`;
  const bob = `bob-${run}`;

  // --- customer registers, enrolls this browser, signs in ---
  const customer = await open('customer');
  await enroll(
    customer.page,
    base,
    '/register',
    [
      ['Username', alice],
      ['Password', PASSWORD],
      ['Full legal name', 'Alice Example'],
      ['Email', `${alice}@example.test`],
    ],
    'Register and enrol this browser',
    alice,
  );
  await signIn(customer.page, base, alice);
  await customer.page.getByText('No accounts yet').waitFor();

  // --- clerk: onboard bob, open accounts for alice and bob, deposit cash for alice ---
  const clerk = await open('clerk');
  const cp = clerk.page;
  await activateStaff(cp, base, 'clerk-e2e', clerkCode);
  await cp.getByRole('heading', { level: 1, name: 'Onboarding' }).waitFor();
  await cp.getByLabel('Username').fill(bob);
  await cp.getByLabel('Legal name').fill('Bob Example');
  await cp.getByLabel('E-mail').fill(`${bob}@example.test`);
  await cp.getByRole('button', { name: 'Create customer' }).click();
  const code = await cp.getByTestId('activation-code').textContent();
  assert(code && code.trim().length >= 8, `activation code ${JSON.stringify(code)}`);
  await shot(cp, shots, 'clerk-onboarding');
  await cp.getByRole('link', { name: `Open an account for ${bob}` }).click();
  await cp.getByRole('button', { name: 'Open account' }).click();
  const bobAccount = (await cp.getByTestId('opened-account').locator('code').textContent()).trim();

  await cp.getByLabel('Search').fill(alice);
  await cp.getByRole('button', { name: /Alice Example/ }).click();
  await cp.getByTestId('customer-accounts').getByText(alice).waitFor();
  await cp.getByRole('button', { name: 'Open account' }).click();
  const aliceAccount = (
    await cp.getByTestId('opened-account').locator('code').textContent()
  ).trim();
  assert(aliceAccount !== bobAccount, 'two accounts expected');
  await shot(cp, shots, 'clerk-customers');

  await cp
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Cash desk' })
    .click();
  // Two deposits below the approval threshold (10,000.00 EUR), both posted at once.
  for (const [i, amount] of ['9500.00', '9,500.00'].entries()) {
    if (i > 0) await cp.getByRole('button', { name: 'New operation' }).click();
    await cp.getByLabel('Customer account number').fill(aliceAccount);
    await cp.getByLabel('Amount').fill(amount);
    await cp.getByLabel('Reference (optional)').fill(`Cash deposit ${i + 1}`);
    await cp.getByRole('button', { name: 'Review' }).click();
    if (i === 0) await shot(cp, shots, 'clerk-cash-desk-review');
    const deposit = await signAndSend(cp);
    assert(deposit.includes('The transfer is booked.'), `deposit: ${deposit}`);
  }
  await shot(cp, shots, 'clerk-cash-desk');

  // --- customer: balance, a small transfer (posted), a large one (pending) ---
  const page = customer.page;
  await page.goto(`${base}/accounts`, { waitUntil: 'domcontentloaded' });
  const total = await page.getByTestId('total-EUR').textContent();
  assert(total.includes('19,000.00'), `balance after deposits: ${total}`);
  await shot(page, shots, 'customer-accounts');

  await page.getByRole('link', { name: 'New transfer' }).first().click();
  await page.getByLabel('To account number').fill(bobAccount);
  await page.getByLabel('Amount (EUR)').fill('25.00');
  await page.getByLabel('Reference (optional)').fill('Coffee beans');
  await page.getByRole('button', { name: 'Review' }).click();
  await shot(page, shots, 'customer-transfer-review');
  const small = await signAndSend(page);
  assert(small.includes('The transfer is booked.'), `small transfer: ${small}`);

  await page.getByRole('button', { name: 'New transfer' }).click();
  await page.getByLabel('To account number').fill(bobAccount);
  await page.getByLabel('Amount (EUR)').fill('12,000.00');
  await page.getByLabel('Reference (optional)').fill('Car');
  await page.getByRole('button', { name: 'Review' }).click();
  const payload = JSON.parse(await page.getByTestId('canonical-payload').textContent());
  assert(payload.amount === '1200000' && payload.currency === 'EUR', 'payload amount');
  const large = await signAndSend(page);
  assert(large.includes('Sent for approval'), `large transfer: ${large}`);
  await page.getByRole('link', { name: 'View details' }).click();
  await page.getByTestId('transfer-details').locator('[data-status="pending_approval"]').waitFor();
  await shot(page, shots, 'customer-transfer-pending');

  // --- manager, in a second context: the queue shows it live; approve with a signature ---
  const manager = await open('manager');
  const mp = manager.page;
  await activateStaff(mp, base, 'manager-e2e', managerCode);
  await mp.getByRole('heading', { level: 1, name: 'Approvals' }).waitFor();
  const row = mp.locator(`tr[data-transfer="${payload.transfer_id}"]`);
  await row.waitFor({ timeout: 15_000 });
  await shot(mp, shots, 'manager-approvals');
  await row.getByRole('link').click();
  await mp.getByRole('button', { name: /^Approve/ }).click();
  const approval = JSON.parse(await mp.getByTestId('approval-payload').textContent());
  assert(approval.transfer_id === payload.transfer_id, 'approval for the transfer');
  await shot(mp, shots, 'manager-approval-review');
  await mp.getByRole('button', { name: 'Sign approval' }).click();
  await mp.getByText('Decision recorded').waitFor();
  await mp.locator('[data-status="posted"]').first().waitFor();

  // --- the customer's open page turns to posted by itself ---
  await page.getByTestId('transfer-details').locator('[data-status="posted"]').waitFor({
    timeout: 15_000,
  });
  await shot(page, shots, 'customer-transfer-posted');
  await page.goto(`${base}/accounts`, { waitUntil: 'domcontentloaded' });
  const after = await page.getByTestId('total-EUR').textContent();
  assert(after.includes('6,975.00'), `balance after transfers: ${after}`);

  // --- a bulk payment: two lines, each signed in the browser and booked on its own ---
  await page.goto(`${base}/transfers/bulk`, { waitUntil: 'domcontentloaded' });
  await page
    .getByLabel('Payments, one per line')
    .fill(`to,amount,reference\n${bobAccount},10.00,Invoice 1\n${bobAccount},15.00,Invoice 2`);
  await page.getByRole('button', { name: 'Check' }).click();
  await page.getByTestId('bulk-preview').waitFor();
  await shot(page, shots, 'customer-bulk-preview');
  await page.getByRole('button', { name: 'Sign and send 2 transfers' }).click();
  const summary = page.getByTestId('bulk-summary');
  await summary.waitFor({ timeout: 30_000 });
  const bulk = await summary.textContent();
  assert(bulk.includes('2 of 2 transfers accepted'), `bulk payment: ${bulk}`);
  await shot(page, shots, 'customer-bulk-results');
  await page.goto(`${base}/transfers`, { waitUntil: 'domcontentloaded' });
  await page.getByTestId('transfers').waitFor();
  await shot(page, shots, 'customer-transfers');
  const activityNote = await verifyOwnActivity(page, base);
  await shot(page, shots, 'customer-activity');

  await mp.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reports' }).click();
  await mp.getByTestId('volume-chart').locator('.recharts-surface').first().waitFor();
  await mp.getByTestId('large-transfers').waitFor();
  await shot(mp, shots, 'manager-reports');
  await mp
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Accounts' })
    .click();
  await mp.getByTestId('manager-accounts').waitFor();
  await shot(mp, shots, 'manager-accounts');

  // --- phone-sized customer dashboard ---
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${base}/accounts`, { waitUntil: 'domcontentloaded' });
  await page.getByTestId('total-EUR').waitFor();
  await shot(page, shots, 'customer-accounts-phone');

  // --- no private key material in any request of any context ---
  const devices = [
    [customer, alice],
    [clerk, 'clerk-e2e'],
    [manager, 'manager-e2e'],
  ];
  let checked = 0;
  for (const [ctx, user] of devices) {
    const hex = await devicePrivateKeyHex(ctx.page, user);
    assert(hex && hex.length === 128, `could not read ${user}'s device key for the check`);
    const needles = spellings(hex);
    for (const who of [customer, clerk, manager]) {
      for (const r of who.requests) {
        const hay = `${r.url}\n${r.headers}\n${r.body}`;
        for (const needle of needles) {
          assert(!hay.includes(needle), `${user}'s private key was sent in a request to ${r.url}`);
        }
        checked++;
      }
    }
  }
  assert(checked > 30, `too few requests recorded (${checked})`);
  return `${customer.requests.length + clerk.requests.length + manager.requests.length} requests checked for private keys; ${activityNote}`;
}

export {
  activateStaff,
  devicePrivateKeyHex,
  enroll,
  PASSWORD,
  recordRequests,
  shot,
  signIn,
  spellings,
};
