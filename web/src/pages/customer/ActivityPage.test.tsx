import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { leafHash } from '../../audit/merkle';
import { toHex, utf8 } from '../../crypto/bytes';
import { testAuditKey } from '../../test/auditKey';
import { jsonResponse } from '../../test/http';
import { fakeApi } from '../../test/ledgerFixtures';
import { inclusionPath, mth } from '../../test/merkleTree';
import { renderApp } from '../../test/render';

const CUSTOMER = { username: 'alice', roles: ['customer'] as const };
const auditKey = testAuditKey();

/** A canonical-looking event leaf. */
function leaf(index: number, action: string, actor: string, extra = '') {
  return `{"action":"${action}","actor":{"roles":["customer"],"user_id":"${actor}"},"details":{${extra}},"index":${String(index)},"outcome":{"status":"success"},"resource":{"id":"r${String(index)}","kind":"transfer"},"time":"2026-11-29T09:1${String(index)}:00.000000Z"}`;
}

// The log: alice's events are #2, #5 and #7; the latest checkpoint covers 6 entries.
const leaves = Array.from({ length: 8 }, (_, i) =>
  [2, 5, 7].includes(i) ? leaf(i, 'transfer.create', 'usr_alice') : leaf(i, 'auth.login', 'bob'),
);
const hashes = leaves.map((l) => leafHash(utf8(l)));
const SIZE = 6;
const checkpoint = (key = auditKey) => ({
  size: SIZE,
  time: '2026-11-29T10:00:00Z',
  note: key.note(SIZE, mth(hashes.slice(0, SIZE))),
});
const entry = (i: number, text = leaves[i] ?? '') => ({
  index: i,
  leaf_hash: toHex(hashes[i] ?? new Uint8Array(32)),
  leaf: text,
});
const proof = (i: number) => () =>
  jsonResponse({
    index: i,
    tree_size: SIZE,
    leaf_hash: toHex(hashes[i] ?? new Uint8Array(32)),
    hashes: inclusionPath(i, hashes.slice(0, SIZE)).map(toHex),
  });

function api(
  opts: { listed?: ReturnType<typeof entry>[]; cp?: ReturnType<typeof checkpoint> } = {},
) {
  return fakeApi({
    'GET /api/v1/audit/key': () => jsonResponse(auditKey.json),
    'GET /api/v1/audit/checkpoint': () => jsonResponse(opts.cp ?? checkpoint()),
    'GET /api/v1/me/audit?limit=100': () =>
      jsonResponse(opts.listed ?? [entry(2), entry(5), entry(7)]),
    'GET /api/v1/me/audit/proof?index=2&tree_size=6': proof(2),
    'GET /api/v1/me/audit/proof?index=5&tree_size=6': proof(5),
  });
}

async function verifyRow(index: number) {
  const table = await screen.findByTestId('my-activity');
  const row = table.querySelector(`tr[data-index="${String(index)}"]`);
  if (!(row instanceof HTMLElement)) throw new Error(`no row ${String(index)}`);
  await userEvent.click(
    within(row).getByRole('button', { name: new RegExp(`^Verify event #${String(index)}`) }),
  );
  return within(row).findByTestId('activity-verify-result');
}

describe('my activity', () => {
  it('is in the customer navigation and lists the events in words', async () => {
    api();
    renderApp('/activity', CUSTOMER);
    expect(
      within(screen.getByRole('navigation', { name: 'Main' })).getByRole('link', {
        name: 'My activity',
      }),
    ).toBeInTheDocument();
    const table = await screen.findByTestId('my-activity');
    expect(within(table).getAllByRole('row')).toHaveLength(4);
    expect(within(table).getAllByText('Transfer created')).toHaveLength(3);
    expect(within(table).getByText('transfer r5')).toBeInTheDocument();
    expect(within(table).getAllByText('Succeeded')).toHaveLength(3);
  });

  it('verifies an event covered by the signed checkpoint, in the browser', async () => {
    const sent = api();
    renderApp('/activity', CUSTOMER);
    const result = await verifyRow(5);
    expect(result).toHaveAttribute('data-state', 'verified');
    expect(result).toHaveTextContent(
      'Verified: this event is entry #5 of the signed audit log of 6 entries.',
    );
    expect(result).toHaveTextContent(
      `Checkpoint signature verified (ML-DSA-65 + Ed25519, key ${auditKey.json.key_id})`,
    );
    expect(sent.some((r) => r.url === '/api/v1/me/audit/proof?index=5&tree_size=6')).toBe(true);
    expect(
      screen.getByRole('button', { name: 'Download the audit key certificate' }),
    ).toBeVisible();
  });

  it('says when an event is not yet in a signed checkpoint', async () => {
    const sent = api();
    renderApp('/activity', CUSTOMER);
    const result = await verifyRow(7);
    expect(result).toHaveAttribute('data-state', 'pending');
    expect(result).toHaveTextContent('Not yet in a signed checkpoint');
    expect(sent.some((r) => r.url.includes('/me/audit/proof'))).toBe(false);
  });

  it('fails when the event text was altered (leaf hash recomputed from it)', async () => {
    const altered = (leaves[2] ?? '').replace('"details":{}', '"details":{"amount":"1"}');
    api({ listed: [entry(2, altered)] });
    renderApp('/activity', CUSTOMER);
    const result = await verifyRow(2);
    expect(result).toHaveAttribute('data-state', 'failed');
    expect(result).toHaveTextContent('does not hash to the leaf hash');
  });

  it('fails when the checkpoint is not signed by the audit key', async () => {
    const sent = api({ cp: checkpoint(testAuditKey(undefined, 9)) });
    renderApp('/activity', CUSTOMER);
    const result = await verifyRow(2);
    expect(result).toHaveAttribute('data-state', 'failed');
    expect(result).toHaveTextContent('signature does not verify');
    expect(sent.some((r) => r.url.includes('/me/audit/proof'))).toBe(false);
  });

  it('loads more events after the last index', async () => {
    const page = Array.from({ length: 100 }, (_, i) =>
      entry(i, leaf(i, 'auth.login', 'usr_alice')),
    );
    const sent = fakeApi({
      'GET /api/v1/audit/key': () => jsonResponse(auditKey.json),
      'GET /api/v1/me/audit?limit=100': () => jsonResponse(page),
      'GET /api/v1/me/audit?after=99&limit=100': () =>
        jsonResponse([entry(120, leaf(120, 'cert.renew', 'usr_alice'))]),
    });
    renderApp('/activity', CUSTOMER);
    await userEvent.click(await screen.findByRole('button', { name: 'Load more' }));
    const table = screen.getByTestId('my-activity');
    expect(await within(table).findByText('Certificate renewed')).toBeInTheDocument();
    expect(within(table).getAllByRole('row')).toHaveLength(102);
    expect(sent.some((r) => r.url.includes('after=99'))).toBe(true);
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
  });

  it('shows an empty state', async () => {
    api({ listed: [] });
    renderApp('/activity', CUSTOMER);
    expect(await screen.findByText('No activity yet')).toBeInTheDocument();
  });
});
