import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../crypto/bytes';
import { testAuditKey } from '../test/auditKey';
import vectors from '../test/fixtures/merkle-inclusion.json';
import { jsonResponse } from '../test/http';
import { fakeApi } from '../test/ledgerFixtures';
import { renderApp } from '../test/render';

function nav() {
  return screen.getByRole('navigation', { name: 'Main' });
}

const noContent = () => new Response(null, { status: 204 });

describe('auditor and admin navigation', () => {
  it.each([
    [
      'auditor',
      ['Audit log', 'Alerts', 'Checkpoints'],
      ['Users & roles', 'Certificates', 'Cash desk'],
    ],
    [
      'admin',
      ['Users & roles', 'Certificates', 'Security settings', 'CA'],
      ['Audit log', 'Approvals'],
    ],
  ] as const)('%s sees their links only', (role, shown, hidden) => {
    fakeApi({});
    renderApp('/', { username: 'u', roles: [role] });
    for (const name of shown) expect(within(nav()).getByRole('link', { name })).toBeInTheDocument();
    for (const name of hidden) expect(within(nav()).queryByRole('link', { name })).toBeNull();
  });

  it.each([
    ['/audit/log', ['admin']],
    ['/audit/alerts', ['manager']],
    ['/admin/users', ['auditor']],
    ['/admin/certificates', ['customer']],
    ['/admin/security', ['clerk']],
  ] as const)('%s is refused to %j without calling the API', async (path, roles) => {
    const sent = fakeApi({});
    renderApp(path, { username: 'u', roles: [...roles] });
    expect(
      await screen.findByRole('heading', { name: 'Not available to you' }),
    ).toBeInTheDocument();
    expect(sent).toHaveLength(0);
  });
});

// A tree of 5 entries from the independent vectors.
const tree = vectors.cases.filter((c) => c.tree_size === 5);
const root = fromHex(tree[0]?.root ?? '');
const auditKey = testAuditKey();
const note = auditKey.note(5, root);

function auditApi(tamper: boolean, signer = auditKey) {
  return fakeApi({
    'GET /api/v1/audit/key': () => jsonResponse(auditKey.json),
    'GET /api/v1/audit/checkpoint': () =>
      jsonResponse({
        size: 5,
        time: '2026-11-29T10:00:00Z',
        note: signer === auditKey ? note : signer.note(5, root),
      }),
    'GET /api/v1/audit/entries?start=0&end=5': () =>
      jsonResponse(tree.map((c) => ({ index: c.index, leaf_hash: c.leaf_hash, leaf: c.leaf }))),
    'GET /api/v1/audit/proof/inclusion?index=3&tree_size=5': () => {
      const c = tree[3];
      const hashes = [...(c?.hashes ?? [])];
      if (tamper) hashes[0] = '00'.repeat(32);
      return jsonResponse({ index: 3, tree_size: 5, leaf_hash: c?.leaf_hash, hashes });
    },
  });
}

describe('audit log', () => {
  it('verifies an entry inclusion proof in the browser', async () => {
    auditApi(false);
    renderApp('/audit/log', { username: 'a', roles: ['auditor'] });
    await userEvent.click(await screen.findByRole('button', { name: 'Verify #3' }));
    const result = await screen.findByTestId('proof-result');
    expect(result).toHaveAttribute('data-ok', 'true');
    expect(result).toHaveTextContent('Verified: entry #3 is in the log of 5 entries.');
    expect(result).toHaveTextContent(
      `Checkpoint signature verified (ML-DSA-65 + Ed25519, key ${auditKey.json.key_id})`,
    );
    expect(screen.getByTestId('signature-result')).toHaveAttribute('data-ok', 'true');
    expect(
      screen.getByRole('button', { name: 'Download the audit key certificate' }),
    ).toBeInTheDocument();
  });

  it('does not trust a checkpoint signed by another key', async () => {
    const sent = auditApi(false, testAuditKey(undefined, 9));
    renderApp('/audit/log', { username: 'a', roles: ['auditor'] });
    const status = await screen.findByTestId('signature-result');
    expect(status).toHaveAttribute('data-ok', 'false');
    expect(status).toHaveTextContent('Checkpoint signature NOT verified');
    await userEvent.click(await screen.findByRole('button', { name: 'Verify #3' }));
    const result = await screen.findByTestId('proof-result');
    expect(result).toHaveAttribute('data-ok', 'false');
    expect(result).toHaveTextContent('signature does not verify');
    expect(sent.some((r) => r.url.includes('/proof/inclusion'))).toBe(false);
  });

  it('reports a proof that does not lead to the checkpoint root', async () => {
    auditApi(true);
    renderApp('/audit/log', { username: 'a', roles: ['auditor'] });
    await userEvent.click(await screen.findByRole('button', { name: 'Verify #3' }));
    const result = await screen.findByTestId('proof-result');
    expect(result).toHaveAttribute('data-ok', 'false');
    expect(result).toHaveTextContent('Not verified');
  });
});

describe('security alerts', () => {
  it('acknowledges an open alert', async () => {
    const sent = fakeApi({
      'GET /api/v1/security/events?after=0&limit=1000': () =>
        jsonResponse([
          {
            id: 7,
            time: '2026-11-29T10:00:00Z',
            kind: 'auth.invalid_credentials',
            severity: 'warning',
            user_id: null,
            client_addr: '127.0.0.1',
            details: '{"code":"invalid_credentials"}',
            status: 'open',
          },
        ]),
      'POST /api/v1/security/events/7/status': noContent,
    });
    renderApp('/audit/alerts', { username: 'a', roles: ['auditor'] });
    const table = await screen.findByTestId('security-events');
    await userEvent.click(within(table).getByRole('button', { name: 'Acknowledge' }));
    await userEvent.click(within(table).getByRole('button', { name: 'Acknowledge' }));
    expect(sent.find((r) => r.method === 'POST')?.body).toEqual({ status: 'acknowledged' });
  });
});

describe('users and roles', () => {
  it('creates a staff user and shows the one-time code', async () => {
    const sent = fakeApi({
      'GET /api/v1/users?limit=200': () => jsonResponse([]),
      'POST /api/v1/users': () =>
        jsonResponse(
          {
            user: {
              id: 'u1',
              username: 'aud1',
              roles: ['auditor'],
              branch: null,
              status: 'pending',
              legal_name: 'Ada Auditor',
              email: 'ada@example.com',
              created_at: '2026-11-29T10:00:00Z',
            },
            activation_code: 'CODE-1234',
            expires_at: null,
          },
          { status: 201 },
        ),
    });
    renderApp('/admin/users', { username: 'root', roles: ['admin'] });
    await userEvent.type(await screen.findByLabelText('Username'), 'aud1');
    await userEvent.type(screen.getByLabelText('Legal name'), 'Ada Auditor');
    await userEvent.type(screen.getByLabelText('E-mail'), 'ada@example.com');
    const roles = screen.getByRole('group', { name: 'Roles' });
    await userEvent.click(within(roles).getByRole('checkbox', { name: 'clerk' }));
    await userEvent.click(within(roles).getByRole('checkbox', { name: 'auditor' }));
    await userEvent.click(screen.getByRole('button', { name: 'Create user' }));
    expect(await screen.findByTestId('activation-code')).toHaveTextContent('CODE-1234');
    expect(sent.find((r) => r.method === 'POST')?.body).toEqual({
      username: 'aud1',
      roles: ['auditor'],
      legal_name: 'Ada Auditor',
      email: 'ada@example.com',
    });
  });
});
