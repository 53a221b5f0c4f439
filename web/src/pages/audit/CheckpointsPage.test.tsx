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
const forger = testAuditKey(undefined, 9);

function checkpoint(size: number, time: string, root = tree.root(size), key = auditKey) {
  return { size, time, note: key.note(size, root) };
}

afterEach(() => {
  localStorage.clear();
});

function api(
  latest: ReturnType<typeof checkpoint>,
  { tamper = false, listed = [] as ReturnType<typeof checkpoint>[] } = {},
) {
  return fakeApi({
    'GET /api/v1/audit/key': () => jsonResponse(auditKey.json),
    'GET /api/v1/audit/checkpoint': () => jsonResponse(latest),
    'GET /api/v1/audit/checkpoints?limit=50': () => jsonResponse(listed),
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

function sizes(history: HTMLElement) {
  return within(history)
    .getAllByRole('row')
    .slice(1)
    .map((r) => r.getAttribute('data-size'));
}

describe('checkpoint history and consistency', () => {
  it('lists the server history with this browser’s, checks signatures, verifies growth', async () => {
    localStorage.setItem(
      'pqbank.audit.checkpoints.v1',
      JSON.stringify([checkpoint(3, '2026-11-29T09:00:00Z')]),
    );
    const latest = checkpoint(9, '2026-11-29T10:00:00Z');
    api(latest, { listed: [checkpoint(1, '2026-11-29T08:00:00Z'), latest] });
    renderApp('/audit/checkpoints', AUDITOR);
    const history = await screen.findByTestId('checkpoint-history');
    await within(history).findByText('1');
    expect(sizes(history)).toEqual(['9', '3', '1']);
    expect(history.querySelector('tr[data-size="3"]')).toHaveTextContent('This browser');
    expect(history.querySelector('tr[data-size="9"]')).toHaveTextContent('Server history');
    expect(history.querySelectorAll('[data-signature="verified"]')).toHaveLength(3);
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

  it('pages the server history by tree size', async () => {
    const page = Array.from({ length: 50 }, (_, i) =>
      checkpoint(i, `2026-11-29T08:${String(i).padStart(2, '0')}:00Z`, tree.root(1)),
    );
    const sent = fakeApi({
      'GET /api/v1/audit/key': () => jsonResponse(auditKey.json),
      'GET /api/v1/audit/checkpoint': () => jsonResponse(checkpoint(9, '2026-11-29T10:00:00Z')),
      'GET /api/v1/audit/checkpoints?limit=50': () => jsonResponse(page),
      'GET /api/v1/audit/checkpoints?after_size=49&limit=50': () =>
        jsonResponse([checkpoint(60, '2026-11-29T11:00:00Z', tree.root(1))]),
    });
    renderApp('/audit/checkpoints', AUDITOR);
    const more = await screen.findByRole('button', { name: 'Load newer checkpoints' });
    await userEvent.click(more);
    const history = screen.getByTestId('checkpoint-history');
    await within(history).findByText('60');
    expect(sent.some((r) => r.url.includes('after_size=49'))).toBe(true);
    expect(screen.queryByRole('button', { name: 'Load newer checkpoints' })).toBeNull();
  });

  it('does not use a checkpoint whose signature does not verify', async () => {
    const forged = checkpoint(3, '2026-11-29T09:00:00Z', tree.root(3), forger);
    const sent = api(checkpoint(9, '2026-11-29T10:00:00Z'), { listed: [forged] });
    renderApp('/audit/checkpoints', AUDITOR);
    const history = await screen.findByTestId('checkpoint-history');
    const row = await within(history).findByText('Not verified', { exact: false });
    expect(row.closest('tr')).toHaveAttribute('data-size', '3');
    await userEvent.click(screen.getByRole('button', { name: 'Verify consistency' }));
    const result = await screen.findByTestId('consistency-result');
    expect(result).toHaveAttribute('data-ok', 'false');
    expect(result).toHaveTextContent('older checkpoint’s signature does not verify');
    expect(sent.some((r) => r.url.includes('/proof/consistency'))).toBe(false);
  });

  it('reports a proof that does not hold and refuses a reversed pair', async () => {
    localStorage.setItem(
      'pqbank.audit.checkpoints.v1',
      JSON.stringify([checkpoint(3, '2026-11-29T09:00:00Z')]),
    );
    api(checkpoint(9, '2026-11-29T10:00:00Z'), { tamper: true });
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

  it('keeps this browser’s history when the server has no history endpoint', async () => {
    localStorage.setItem(
      'pqbank.audit.checkpoints.v1',
      JSON.stringify([checkpoint(3, '2026-11-29T09:00:00Z')]),
    );
    fakeApi({
      'GET /api/v1/audit/key': () => jsonResponse(auditKey.json),
      'GET /api/v1/audit/checkpoint': () => jsonResponse(checkpoint(9, '2026-11-29T10:00:00Z')),
    });
    renderApp('/audit/checkpoints', AUDITOR);
    const history = await screen.findByTestId('checkpoint-history');
    await within(history).findByText('9');
    expect(sizes(history)).toEqual(['9', '3']);
    expect(await screen.findByText(/showing this browser’s/)).toBeInTheDocument();
  });
});
