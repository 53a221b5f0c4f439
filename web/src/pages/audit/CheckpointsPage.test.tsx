import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { loadHistory } from '../../audit/checkpointHistory';
import { toHex } from '../../crypto/bytes';
import { testAuditKey } from '../../test/auditKey';
import { jsonResponse } from '../../test/http';
import { fakeApi } from '../../test/ledgerFixtures';
import { testTree } from '../../test/merkleTree';
import { renderApp } from '../../test/render';

const AUDITOR = { username: 'a', roles: ['auditor'] as const };
const tree = testTree(12);
const auditKey = testAuditKey();

function checkpoint(size: number, time: string, root = tree.root(size)) {
  return { size, time, note: auditKey.note(size, root) };
}

afterEach(() => {
  localStorage.clear();
});

function api(latest: ReturnType<typeof checkpoint>, tamper = false) {
  return fakeApi({
    'GET /api/v1/audit/key': () => jsonResponse(auditKey.json),
    'GET /api/v1/audit/checkpoint': () => jsonResponse(latest),
    'POST /api/v1/audit/checkpoint': () =>
      jsonResponse(checkpoint(12, '2026-11-29T12:00:00Z'), { status: 201 }),
    'GET /api/v1/audit/proof/consistency?first=3&second=9': () => {
      const hashes = tree.proof(3, 9).map(toHex);
      if (tamper) hashes[0] = '00'.repeat(32);
      return jsonResponse({ first: 3, second: 9, hashes });
    },
    'GET /api/v1/audit/proof/consistency?first=9&second=12': () =>
      jsonResponse({ first: 9, second: 12, hashes: tree.proof(9, 12).map(toHex) }),
  });
}

describe('checkpoint history and consistency', () => {
  it('remembers checkpoints and verifies that the log only grew', async () => {
    localStorage.setItem(
      'pqbank.audit.checkpoints.v1',
      JSON.stringify([checkpoint(3, '2026-11-29T09:00:00Z')]),
    );
    api(checkpoint(9, '2026-11-29T10:00:00Z'));
    renderApp('/audit/checkpoints', AUDITOR);
    const history = await screen.findByTestId('checkpoint-history');
    await within(history).findByText('9');
    expect(
      within(history)
        .getAllByRole('row')
        .slice(1)
        .map((r) => r.getAttribute('data-size')),
    ).toEqual(['9', '3']);
    expect(loadHistory().map((c) => c.size)).toEqual([3, 9]);
    expect(await screen.findByTestId('signature-result')).toHaveTextContent(
      `Checkpoint signature verified (ML-DSA-65 + Ed25519, key ${auditKey.json.key_id})`,
    );

    expect(screen.getByLabelText('Older checkpoint')).toHaveDisplayValue(/^3 entries/);
    expect(screen.getByLabelText('Newer checkpoint')).toHaveDisplayValue(/^9 entries/);
    await userEvent.click(screen.getByRole('button', { name: 'Verify consistency' }));
    const result = await screen.findByTestId('consistency-result');
    expect(result).toHaveAttribute('data-ok', 'true');
    expect(result).toHaveTextContent('Consistent: The log of 9 entries');

    // Signing a new checkpoint adds it; the newest pair is then 9 -> 12.
    await userEvent.click(screen.getByRole('button', { name: 'Sign a checkpoint now' }));
    await within(history).findByText('12');
    expect(loadHistory().map((c) => c.size)).toEqual([3, 9, 12]);
  });

  it('reports a proof that does not hold and refuses a reversed pair', async () => {
    localStorage.setItem(
      'pqbank.audit.checkpoints.v1',
      JSON.stringify([checkpoint(3, '2026-11-29T09:00:00Z')]),
    );
    api(checkpoint(9, '2026-11-29T10:00:00Z'), true);
    renderApp('/audit/checkpoints', AUDITOR);
    await userEvent.click(await screen.findByRole('button', { name: 'Verify consistency' }));
    const result = await screen.findByTestId('consistency-result');
    expect(result).toHaveAttribute('data-ok', 'false');
    expect(result).toHaveTextContent('Not consistent');

    await userEvent.selectOptions(screen.getByLabelText('Older checkpoint'), '1');
    await userEvent.selectOptions(screen.getByLabelText('Newer checkpoint'), '0');
    expect(screen.getByRole('alert')).toHaveTextContent('Choose an older checkpoint');
    expect(screen.getByRole('button', { name: 'Verify consistency' })).toBeDisabled();
  });

  it('detects a rewritten history (same size, other root)', async () => {
    localStorage.setItem(
      'pqbank.audit.checkpoints.v1',
      JSON.stringify([checkpoint(3, '2026-11-29T09:00:00Z', tree.root(4))]),
    );
    api(checkpoint(9, '2026-11-29T10:00:00Z'));
    renderApp('/audit/checkpoints', AUDITOR);
    await userEvent.click(await screen.findByRole('button', { name: 'Verify consistency' }));
    const result = await screen.findByTestId('consistency-result');
    expect(result).toHaveAttribute('data-ok', 'false');
    expect(result).toHaveTextContent('first checkpoint’s root');
  });
});
