import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { SignedBody } from '../../api/ledger';
import { fromBase64Url, toBase64Url, toHex } from '../../crypto/bytes';
import { compositeVerify } from '../../crypto/composite';
import {
  TRANSFER_SIGNATURE_CONTEXT,
  transferCanonicalBytes,
  transferCanonicalJson,
  type TransferPayload,
} from '../../crypto/payload';
import { setDeviceSignerForTests } from '../../ledger/signing';
import { jsonResponse } from '../../test/http';
import {
  ACC_A,
  ACC_B,
  accountJson,
  fakeApi,
  installTestSigner,
  money,
  SERIAL,
  transferJson,
} from '../../test/ledgerFixtures';
import { renderApp } from '../../test/render';

const CUSTOMER = { username: 'alice', roles: ['customer'] as const };

afterEach(() => {
  setDeviceSignerForTests(null);
});

function customerApi(onTransfer: (body: SignedBody) => Response) {
  return fakeApi({
    'GET /api/v1/accounts?limit=200': () =>
      jsonResponse({ items: [accountJson(ACC_A, '20000.00')], next: null }),
    'GET /api/v1/settings/ledger': () =>
      jsonResponse({ thresholds: [money('10000.00')], pending_ttl_seconds: 172800 }),
    'POST /api/v1/transfers': (body) => onTransfer(body as SignedBody),
  });
}

describe('new transfer', () => {
  it('validates, shows exactly what is signed, signs in the browser and reports pending approval', async () => {
    const { key, signed } = installTestSigner();
    let submitted: SignedBody | undefined;
    const sent = customerApi((body) => {
      submitted = body;
      return jsonResponse(transferJson({ payload: body.payload }), { status: 201 });
    });
    renderApp('/transfers/new', { ...CUSTOMER, roles: ['customer'] });

    const review = await screen.findByRole('button', { name: 'Review' });
    expect(
      await screen.findByText('Transfers of €10,000.00 or more wait for a manager’s approval.'),
    ).toBeInTheDocument();
    await userEvent.click(review);
    expect(screen.getByText('Enter the account number to pay to.')).toBeInTheDocument();
    expect(screen.getByText('Enter an amount.')).toBeInTheDocument();
    expect(screen.getByLabelText('Amount (EUR)')).toHaveAttribute('aria-invalid', 'true');

    await userEvent.type(screen.getByLabelText('To account number'), ACC_A);
    await userEvent.type(screen.getByLabelText('Amount (EUR)'), '20000.01');
    await userEvent.click(review);
    expect(
      screen.getByText('Choose an account other than the one you pay from.'),
    ).toBeInTheDocument();
    expect(screen.getByText('The amount is more than the available balance.')).toBeInTheDocument();

    await userEvent.clear(screen.getByLabelText('To account number'));
    await userEvent.type(screen.getByLabelText('To account number'), ACC_B);
    await userEvent.clear(screen.getByLabelText('Amount (EUR)'));
    await userEvent.type(screen.getByLabelText('Amount (EUR)'), '12,000');
    await userEvent.type(screen.getByLabelText('Reference (optional)'), 'Car');
    await userEvent.click(review);

    // The review shows the canonical payload byte for byte.
    const pre = await screen.findByTestId('canonical-payload');
    const payload = JSON.parse(pre.textContent) as TransferPayload & { type: string };
    expect(payload).toMatchObject({
      type: 'pqbank.transfer.v1',
      from_account: ACC_A,
      to_account: ACC_B,
      amount: '1200000',
      currency: 'EUR',
      reference: 'Car',
      created_at: '2026-11-29T09:10:00Z',
      initiator_cert_serial: SERIAL,
    });
    expect(pre.textContent).toBe(transferCanonicalJson(payload));
    expect(screen.getByTestId('review-amount')).toHaveTextContent('€12,000.00');
    expect(sent.some((r) => r.method === 'POST')).toBe(false);

    await userEvent.click(screen.getByRole('button', { name: 'Sign and send' }));
    const result = await screen.findByTestId('transfer-result');
    expect(within(result).getByText('Sent for approval')).toBeInTheDocument();
    expect(within(result).getByText('Pending approval')).toBeInTheDocument();

    // What went to the server: the same payload and a signature under the transfer context.
    expect(submitted?.payload).toEqual(JSON.parse(pre.textContent));
    expect(signed).toHaveLength(1);
    expect(toHex(signed[0]!.context)).toBe(toHex(TRANSFER_SIGNATURE_CONTEXT));
    expect(
      compositeVerify(
        key.publicKey,
        transferCanonicalBytes(payload),
        TRANSFER_SIGNATURE_CONTEXT,
        fromBase64Url(submitted!.signature),
      ),
    ).toBe(true);
    // No private key material in any request.
    const everything = JSON.stringify(sent);
    expect(everything).not.toContain(toBase64Url(key.privateKey));
    expect(everything).not.toContain(toHex(key.privateKey));
    expect(everything).not.toContain(toHex(key.privateKey.subarray(0, 32)));
  });

  it('shows a refusal as a problem and keeps the same transfer id for the retry', async () => {
    installTestSigner();
    const bodies: SignedBody[] = [];
    customerApi((body) => {
      bodies.push(body);
      return bodies.length === 1
        ? jsonResponse(
            {
              title: 'Refused',
              status: 422,
              code: 'insufficient_funds',
              detail: 'not enough money',
            },
            { status: 422 },
            'application/problem+json',
          )
        : jsonResponse(transferJson({ status: 'posted', amount: money('5.00') }), { status: 201 });
    });
    renderApp('/transfers/new', { ...CUSTOMER, roles: ['customer'] });
    await userEvent.type(await screen.findByLabelText('To account number'), ACC_B);
    await userEvent.type(screen.getByLabelText('Amount (EUR)'), '5');
    await userEvent.click(screen.getByRole('button', { name: 'Review' }));
    await userEvent.click(await screen.findByRole('button', { name: 'Sign and send' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('insufficient_funds');
    await userEvent.click(screen.getByRole('button', { name: 'Sign and send again' }));
    expect(await screen.findByText('The transfer is booked.')).toBeInTheDocument();
    expect(bodies).toHaveLength(2);
    expect(bodies[1]!.payload.transfer_id).toBe(bodies[0]!.payload.transfer_id);
  });
});

describe('accounts dashboard', () => {
  it('shows balances formatted by currency and an empty state', async () => {
    fakeApi({
      'GET /api/v1/accounts?limit=200': () =>
        jsonResponse({
          items: [
            accountJson(ACC_A, '1234.50'),
            accountJson(ACC_B, '5000', {
              currency: 'JPY',
              kind: 'savings',
              overdraft_limit: money('0', 'JPY'),
              balance: {
                posted: money('5000', 'JPY'),
                pending_debits: money('0', 'JPY'),
                pending_credits: money('0', 'JPY'),
                available: money('5000', 'JPY'),
              },
            }),
          ],
          next: null,
        }),
    });
    renderApp('/accounts', { ...CUSTOMER, roles: ['customer'] });
    expect(await screen.findByTestId('total-EUR')).toHaveTextContent('€1,234.50');
    expect(screen.getByTestId('total-JPY')).toHaveTextContent('¥5,000');
    expect(screen.getAllByTestId('account-card')).toHaveLength(2);
  });

  it('says when there are no accounts', async () => {
    fakeApi({
      'GET /api/v1/accounts?limit=200': () => jsonResponse({ items: [], next: null }),
    });
    renderApp('/accounts', { ...CUSTOMER, roles: ['customer'] });
    expect(await screen.findByText('No accounts yet')).toBeInTheDocument();
  });

  it('shows problem details when loading fails', async () => {
    fakeApi({
      'GET /api/v1/accounts?limit=200': () =>
        jsonResponse(
          { title: 'Service unavailable', status: 503, code: 'unavailable', request_id: 'r-1' },
          { status: 503 },
          'application/problem+json',
        ),
    });
    renderApp('/accounts', { ...CUSTOMER, roles: ['customer'] });
    const alert = await screen.findByRole('alert', {}, { timeout: 4000 });
    expect(alert).toHaveTextContent('Loading your accounts');
    expect(alert).toHaveTextContent('r-1');
  });
});
