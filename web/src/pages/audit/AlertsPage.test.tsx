import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { toBase64 } from '../../crypto/bytes';
import { jsonResponse } from '../../test/http';
import { fakeApi } from '../../test/ledgerFixtures';
import { renderApp } from '../../test/render';

const AUDITOR = { username: 'a', roles: ['auditor'] as const };
const EVENTS = 'GET /api/v1/security/events?after=0&limit=1000';
const noContent = () => new Response(null, { status: 204 });

function event(id: number, extra: Record<string, unknown> = {}) {
  return {
    id,
    time: '2026-11-29T18:00:00Z',
    kind: 'auth.address_blocked',
    severity: 'critical',
    user_id: null,
    client_addr: '127.0.0.1',
    details: '{"failures":10}',
    status: 'open',
    ...extra,
  };
}

function rowOf(id: number): HTMLElement {
  const row = within(screen.getByTestId('security-events'))
    .getAllByRole('row')
    .find((r) => r.getAttribute('data-id') === String(id));
  if (!row) throw new Error(`no row ${String(id)}`);
  return row;
}

describe('security alerts', () => {
  it('shows rule labels, evidence links and who changed the status (old servers too)', async () => {
    fakeApi({
      [EVENTS]: () =>
        jsonResponse([
          // An older server: none of the new fields.
          event(1, { kind: 'auth.invalid_credentials', severity: 'warning' }),
          event(2, {
            evidence: [41, 42],
            status: 'acknowledged',
            status_by: 'usr_0192b6a4-3c5d-7e6f-8a9b-0c1d2e3f4a99',
            status_note: 'Looking into it',
            status_time: '2026-11-29T18:05:00Z',
          }),
          event(3, { evidence: null, kind: 'transfer.velocity_amount', severity: 'warning' }),
        ]),
    });
    renderApp('/audit/alerts', AUDITOR);
    await screen.findByTestId('security-events');
    await userEvent.selectOptions(screen.getByLabelText('Status'), 'all');
    expect(within(rowOf(1)).getByText('Failed sign-in')).toBeInTheDocument();
    expect(within(rowOf(3)).getByText('Large total sent')).toBeInTheDocument();
    expect(within(rowOf(1)).queryByText('Evidence:')).toBeNull();

    const two = rowOf(2);
    expect(within(two).getByText('Address blocked')).toBeInTheDocument();
    const links = within(two).getAllByRole('link', { name: /Audit entry/ });
    expect(links.map((l) => l.getAttribute('href'))).toEqual([
      '/audit/log?index=41',
      '/audit/log?index=42',
    ]);
    expect(within(two).getByTestId('status-note')).toHaveTextContent('Looking into it');
    expect(within(two).getByText('Acknowledged')).toBeInTheDocument();
    // Acknowledged alerts can still be resolved, not acknowledged again.
    expect(within(two).queryByRole('button', { name: 'Acknowledge' })).toBeNull();
    expect(within(two).getByRole('button', { name: 'Resolve' })).toBeInTheDocument();
  });

  it('filters by status and severity', async () => {
    fakeApi({
      [EVENTS]: () =>
        jsonResponse([
          event(1, { severity: 'critical' }),
          event(2, { severity: 'warning' }),
          event(3, { severity: 'info', status: 'resolved' }),
        ]),
    });
    renderApp('/audit/alerts', AUDITOR);
    const table = await screen.findByTestId('security-events');
    const ids = () =>
      within(screen.getByTestId('security-events'))
        .getAllByRole('row')
        .slice(1)
        .map((r) => r.getAttribute('data-id'));
    expect(within(table).getAllByRole('row')).toHaveLength(3);
    expect(ids()).toEqual(['2', '1']);
    await userEvent.selectOptions(screen.getByLabelText('Severity'), 'critical');
    expect(ids()).toEqual(['1']);
    await userEvent.selectOptions(screen.getByLabelText('Severity'), 'info');
    expect(screen.getByRole('heading', { name: 'Nothing here' })).toBeInTheDocument();
    await userEvent.selectOptions(screen.getByLabelText('Status'), 'resolved');
    expect(ids()).toEqual(['3']);
  });

  it('requires a note to resolve and sends it', async () => {
    const sent = fakeApi({
      [EVENTS]: () => jsonResponse([event(5)]),
      'POST /api/v1/security/events/5/status': noContent,
    });
    renderApp('/audit/alerts', AUDITOR);
    await screen.findByTestId('security-events');
    await userEvent.click(within(rowOf(5)).getByRole('button', { name: 'Resolve' }));
    const form = screen.getByRole('form', { name: 'Resolve alert 5' });
    const note = within(form).getByLabelText('Note (required)');
    expect(note).toHaveFocus();
    await userEvent.click(within(form).getByRole('button', { name: 'Resolve' }));
    expect(within(form).getByRole('alert')).toHaveTextContent('Say why the alert is resolved.');
    expect(note).toHaveAttribute('aria-invalid', 'true');
    expect(sent.some((r) => r.method === 'POST')).toBe(false);

    await userEvent.type(note, '  Known pen test  ');
    await userEvent.click(within(form).getByRole('button', { name: 'Resolve' }));
    await vi.waitFor(() => {
      expect(sent.find((r) => r.method === 'POST')?.body).toEqual({
        status: 'resolved',
        note: 'Known pen test',
      });
    });
    await vi.waitFor(() => {
      expect(screen.queryByRole('form', { name: 'Resolve alert 5' })).toBeNull();
    });
  });

  it('acknowledges with an optional note, can be cancelled, and shows refusals', async () => {
    const sent = fakeApi({
      [EVENTS]: () => jsonResponse([event(6)]),
      'POST /api/v1/security/events/6/status': () =>
        jsonResponse(
          { title: 'Invalid', status: 422, code: 'invalid', detail: 'note is too long' },
          { status: 422 },
          'application/problem+json',
        ),
    });
    renderApp('/audit/alerts', AUDITOR);
    await screen.findByTestId('security-events');
    await userEvent.click(within(rowOf(6)).getByRole('button', { name: 'Acknowledge' }));
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('form')).toBeNull();

    await userEvent.click(within(rowOf(6)).getByRole('button', { name: 'Acknowledge' }));
    const form = screen.getByRole('form', { name: 'Acknowledge alert 6' });
    await userEvent.type(within(form).getByLabelText('Note (optional)'), 'On it');
    await userEvent.click(within(form).getByRole('button', { name: 'Acknowledge' }));
    expect(await within(form).findByRole('alert')).toHaveTextContent('note is too long');
    expect(sent.find((r) => r.method === 'POST')?.body).toEqual({
      status: 'acknowledged',
      note: 'On it',
    });
  });
});

describe('audit log links', () => {
  it('opens the page holding an entry and highlights it', async () => {
    const size = 120;
    const root = new Uint8Array(32);
    const note = `pqbank.test/audit\n${String(size)}\n${toBase64(root)}\n\n\u2014 pqbank.test/audit ${toBase64(new Uint8Array(40))}\n`;
    const entries = (start: number, end: number) =>
      Array.from({ length: end - start }, (_, k) => ({
        index: start + k,
        leaf_hash: '00'.repeat(32),
        leaf: JSON.stringify({ action: `act.${String(start + k)}` }),
      }));
    const sent = fakeApi({
      'GET /api/v1/audit/checkpoint': () =>
        jsonResponse({ size, time: '2026-11-29T10:00:00Z', note }),
      'GET /api/v1/audit/entries?start=0&end=45': () => jsonResponse(entries(0, 45)),
    });
    renderApp('/audit/log?index=20', AUDITOR);
    const table = await screen.findByTestId('audit-entries');
    const target = within(table)
      .getAllByRole('row')
      .find((r) => r.getAttribute('data-target') === 'true');
    expect(target).toHaveAttribute('aria-current', 'true');
    expect(target).toHaveAttribute('data-action', 'act.20');
    expect(sent.map((r) => r.url)).toContain('/api/v1/audit/entries?start=0&end=45');
  });

  it('explains an entry not yet covered by a checkpoint', async () => {
    const note = `pqbank.test/audit\n5\n${toBase64(new Uint8Array(32))}\n\n\u2014 pqbank.test/audit ${toBase64(new Uint8Array(40))}\n`;
    fakeApi({
      'GET /api/v1/audit/checkpoint': () =>
        jsonResponse({ size: 5, time: '2026-11-29T10:00:00Z', note }),
      'GET /api/v1/audit/entries?start=0&end=5': () => jsonResponse([]),
    });
    renderApp('/audit/log?index=9', AUDITOR);
    expect(
      await screen.findByText(/Entry #9 is not covered by the latest checkpoint yet/),
    ).toBeInTheDocument();
  });
});
