import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { SignedBody } from '../../api/ledger';
import { setDeviceSignerForTests } from '../../ledger/signing';
import { jsonResponse } from '../../test/http';
import { ACC_A, ACC_B, accountJson, fakeApi, installTestSigner } from '../../test/ledgerFixtures';
import { renderApp } from '../../test/render';

afterEach(() => {
  setDeviceSignerForTests(null);
});

describe('bulk payment', () => {
  it('checks the list, shows the total, signs and sends it, and reports each line', async () => {
    installTestSigner();
    const sent = fakeApi({
      'GET /api/v1/accounts?limit=200': () =>
        jsonResponse({ items: [accountJson(ACC_A, '1000.00')], next: null }),
      'POST /api/v1/transfer-batches': (body) => {
        const transfers = (body as { transfers: SignedBody[] }).transfers;
        return jsonResponse({
          results: transfers.map((t, i) =>
            i === 1
              ? { status: 422, problem: { code: 'destination_frozen', detail: 'frozen' } }
              : {
                  status: 201,
                  transfer: {
                    id: t.payload.transfer_id,
                    status: 'posted',
                    created_at: '2026-11-29T09:10:00Z',
                    expires_at: null,
                  },
                },
          ),
          created: 1,
          refused: 1,
        });
      },
    });
    renderApp('/transfers/bulk', { username: 'alice', roles: ['customer'] });

    const lines = await screen.findByLabelText('Payments, one per line');
    await userEvent.type(lines, `${ACC_B},2000.00,Too much`);
    await userEvent.click(screen.getByRole('button', { name: 'Check' }));
    expect(screen.getByRole('alert')).toHaveTextContent(
      'The total is more than the available balance.',
    );

    await userEvent.clear(lines);
    await userEvent.type(lines, `${ACC_B},150.00,Salary{enter}${ACC_B},20.00,Bonus`);
    await userEvent.click(screen.getByRole('button', { name: 'Check' }));
    const preview = await screen.findByTestId('bulk-preview');
    expect(preview).toHaveTextContent('2 transfers, €170.00 in total');
    expect(sent.some((r) => r.method === 'POST')).toBe(false);

    await userEvent.click(screen.getByRole('button', { name: 'Sign and send 2 transfers' }));
    const results = await screen.findByTestId('bulk-results');
    expect(screen.getByTestId('bulk-summary')).toHaveTextContent(
      '1 of 2 transfers accepted, 1 refused.',
    );
    expect(within(results).getByText('Sent')).toBeInTheDocument();
    expect(within(results).getByText('Refused: frozen')).toBeInTheDocument();
    const post = sent.filter((r) => r.method === 'POST');
    expect(post).toHaveLength(1);
    expect((post[0]!.body as { transfers: SignedBody[] }).transfers).toHaveLength(2);
  });
});
