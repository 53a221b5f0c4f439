/** Ledger API fixtures and a fake fetch for page tests. */
import { vi } from 'vitest';
import type { Account, Transfer } from '../api/ledger';
import { compositeSign, generateCompositeKey } from '../crypto/composite';
import { toBase64Url } from '../crypto/bytes';
import { setDeviceSignerForTests } from '../ledger/signing';
import { jsonResponse } from './http';

export const ACC_A = '0192b6a4-3c5d-7e6f-8a9b-0c1d2e3f4a01';
export const ACC_B = '0192b6a4-3c5d-7e6f-8a9b-0c1d2e3f4a02';
export const SERIAL = '3f2a9c1b7d4e5f60718293a4b5c6d7e8';
export const NOW = new Date('2026-11-29T09:10:00.250Z');

export function money(amount: string, currency = 'EUR') {
  return { amount, currency };
}

export function accountJson(id: string, posted: string, extra: Partial<Account> = {}): Account {
  return {
    id,
    owner_id: 'u1',
    kind: 'current',
    currency: 'EUR',
    status: 'open',
    overdraft_limit: money('0.00'),
    balance: {
      posted: money(posted),
      pending_debits: money('0.00'),
      pending_credits: money('0.00'),
      available: money(posted),
    },
    created_at: '2026-11-01T08:00:00Z',
    version: 3,
    ...extra,
  };
}

export function transferJson(extra: Partial<Transfer> = {}): Transfer {
  return {
    id: '01936f0e-8c2a-7b3d-9e4f-0123456789a0',
    status: 'pending_approval',
    kind: 'transfer',
    from_account: ACC_A,
    to_account: ACC_B,
    amount: money('12000.00'),
    reference: 'Car',
    created_at: '2026-11-29T09:10:00Z',
    initiator_id: 'u1',
    initiator_cert_serial: SERIAL,
    payload: {
      type: 'pqbank.transfer.v1',
      transfer_id: '01936f0e-8c2a-7b3d-9e4f-0123456789a0',
      from_account: ACC_A,
      to_account: ACC_B,
      amount: '1200000',
      currency: 'EUR',
      reference: 'Car',
      created_at: '2026-11-29T09:10:00Z',
      initiator_cert_serial: SERIAL,
    },
    payload_sha256: 'ab'.repeat(32),
    signature: 'c2ln',
    signature_algorithm: 'ML-DSA-65+Ed25519',
    approval_required: true,
    expires_at: '2026-12-01T09:10:00Z',
    decided_at: null,
    decided_by: null,
    approval: null,
    reason: null,
    ...extra,
  };
}

/** A device key and a test signer that uses it (like the real one, over the given context). */
export function installTestSigner() {
  const key = generateCompositeKey();
  const signed: { message: Uint8Array; context: Uint8Array }[] = [];
  setDeviceSignerForTests({
    certSerial: SERIAL,
    now: () => NOW,
    sign: (message, context) => {
      signed.push({ message, context });
      return Promise.resolve(toBase64Url(compositeSign(key.privateKey, message, context)));
    },
  });
  return { key, signed };
}

export interface SentRequest {
  method: string;
  url: string;
  body: unknown;
}

/** Routes `METHOD url` to handlers; records every request. Unknown routes answer 404. */
export function fakeApi(routes: Record<string, (body: unknown) => Response>) {
  const sent: SentRequest[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn<typeof fetch>((input, init = {}) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const method = init.method ?? 'GET';
      const body = typeof init.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
      sent.push({ method, url, body });
      const handler = routes[`${method} ${url}`];
      return Promise.resolve(
        handler
          ? handler(body)
          : jsonResponse(
              { title: 'Not found', status: 404, code: 'not_found' },
              { status: 404 },
              'application/problem+json',
            ),
      );
    }),
  );
  return sent;
}
