/// <reference types="node" />
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import type { Account, Transfer } from '../api/ledger';
import { toHex, utf8 } from '../crypto/bytes';
import {
  approvalCanonicalJson,
  transferCanonicalBytes,
  transferCanonicalJson,
  type TransferPayload,
} from '../crypto/payload';
import { minorToDecimalString } from '../money';
import {
  buildApprovalPayload,
  buildTransferPayload,
  canonicalOf,
  isUuid,
  referenceError,
  signedTransferBody,
  uuidv7,
  validateTransferForm,
} from './transfer';

interface Vector {
  name: string;
  input: TransferPayload;
  canonical: string;
  canonical_hex: string;
}

/** The repository's shared vectors: the Rust domain tests check the same canonical bytes. */
const vectors = JSON.parse(
  readFileSync(
    resolve(import.meta.dirname, '../../../testdata/transfer-payload-vectors.json'),
    'utf8',
  ),
) as Vector[];

function account(id: string, currency: string, available: string, status = 'open'): Account {
  const m = (amount: string) => ({ amount, currency });
  return {
    id,
    owner_id: 'u1',
    kind: 'current',
    currency,
    status,
    overdraft_limit: m('0'),
    balance: {
      posted: m(available),
      pending_debits: m('0'),
      pending_credits: m('0'),
      available: m(available),
    },
    created_at: '2026-01-01T00:00:00Z',
    version: 1,
  };
}

const A = '0192b6a4-3c5d-7e6f-8a9b-0c1d2e3f4a01';
const B = '0192b6a4-3c5d-7e6f-8a9b-0c1d2e3f4a02';

describe('transfer form → signed payload equals the server’s canonical bytes', () => {
  it.each(vectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const p = v.input;
    const decimal = minorToDecimalString(p.amount, p.currency);
    const from = account(p.from_account, p.currency, decimal);
    const result = validateTransferForm(
      {
        fromAccount: p.from_account,
        // Typed in upper case with spaces around: normalised to the canonical form.
        toAccount: ` ${p.to_account.toUpperCase()} `,
        amount: decimal,
        reference: p.reference,
      },
      [from],
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const payload = buildTransferPayload(
      result.draft,
      p.initiator_cert_serial,
      new Date(p.created_at),
      p.transfer_id,
    );
    expect(payload).toEqual(p);
    expect(transferCanonicalJson(payload)).toBe(v.canonical);
    expect(toHex(transferCanonicalBytes(payload))).toBe(v.canonical_hex);
    // The request body carries the same object (with its type), and the server's stored payload
    // re-canonicalises to the same text.
    const body = signedTransferBody(payload, 'sig');
    expect(body.payload).toEqual(JSON.parse(v.canonical));
    expect(canonicalOf({ payload: body.payload } as unknown as Transfer)).toBe(v.canonical);
  });
});

describe('transfer form validation', () => {
  const accounts = [account(A, 'EUR', '100.00'), account(B, 'JPY', '5000', 'frozen')];
  const valid = { fromAccount: A, toAccount: B, amount: '25.50', reference: 'Rent' };

  it('accepts a valid transfer', () => {
    const r = validateTransferForm(valid, accounts);
    expect(r).toEqual({
      ok: true,
      draft: {
        fromAccount: A,
        toAccount: B,
        amountMinor: 2550n,
        currency: 'EUR',
        reference: 'Rent',
      },
    });
  });

  it.each([
    [{ fromAccount: '' }, 'fromAccount', 'Choose the account to pay from.'],
    [{ fromAccount: B }, 'fromAccount', 'This account is frozen.'],
    [{ toAccount: '' }, 'toAccount', 'Enter the account number to pay to.'],
    [{ toAccount: 'DE89 3704 0044' }, 'toAccount', 'An account number looks like'],
    [{ toAccount: A }, 'toAccount', 'Choose an account other than the one you pay from.'],
    [{ amount: '' }, 'amount', 'Enter an amount.'],
    [{ amount: 'ten' }, 'amount', 'Enter the amount as a number'],
    [{ amount: '0.00' }, 'amount', 'The amount must be more than zero.'],
    [{ amount: '-5' }, 'amount', 'The amount must be positive.'],
    [{ amount: '1.234' }, 'amount', 'EUR amounts have at most 2 decimal places.'],
    [{ amount: '100.01' }, 'amount', 'The amount is more than the available balance.'],
    [{ reference: ' Rent' }, 'reference', 'must not start or end with a space'],
    [{ reference: 'a\u202Eb' }, 'reference', 'not allowed (position 2)'],
    [{ reference: 'x'.repeat(141) }, 'reference', 'at most 140 characters'],
  ] as const)('refuses %j', (change, field, message) => {
    const r = validateTransferForm({ ...valid, ...change }, accounts);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[field]).toContain(message);
  });

  it('counts reference length in code points like the server', () => {
    expect(referenceError('😀'.repeat(140))).toBeUndefined();
    expect(referenceError('😀'.repeat(141))).toContain('at most 140');
    expect(referenceError('ZW\u200cNJ \ue000 \ufffd')).toBeUndefined();
    expect(referenceError('tab\there')).toContain('not allowed');
  });

  it('accepts grouped amounts', () => {
    const r = validateTransferForm({ ...valid, amount: '1,000.00' }, [
      account(A, 'EUR', '5000.00'),
    ]);
    expect(r.ok && r.draft.amountMinor).toBe(100000n);
  });
});

describe('uuidv7', () => {
  it('encodes the time, version and variant', () => {
    const id = uuidv7(0x0193_6f0e_8c2a, new Uint8Array(10).fill(0xff));
    expect(id).toBe('01936f0e-8c2a-7fff-bfff-ffffffffffff');
    expect(isUuid(id)).toBe(true);
    expect(isUuid(uuidv7(Date.now()))).toBe(true);
  });
});

describe('approval payload', () => {
  it('binds the decision to the transfer’s payload digest', () => {
    const v = vectors[0]!;
    const digest = toHex(sha256(utf8(v.canonical)));
    const transfer = { id: v.input.transfer_id, payload_sha256: digest } as Transfer;
    const a = buildApprovalPayload(transfer, 'abcd', new Date('2026-11-29T10:00:00.500Z'));
    expect(approvalCanonicalJson(a)).toBe(
      `{"approver_cert_serial":"abcd","created_at":"2026-11-29T10:00:00Z","decision":"approve","payload_digest":"${digest}","transfer_id":"${v.input.transfer_id}","type":"pqbank.approval.v1"}`,
    );
  });
});
