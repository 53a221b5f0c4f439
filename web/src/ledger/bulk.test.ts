import { afterEach, describe, expect, it } from 'vitest';
import type { SignedBody } from '../api/ledger';
import { fromBase64Url } from '../crypto/bytes';
import { compositeVerify } from '../crypto/composite';
import {
  TRANSFER_SIGNATURE_CONTEXT,
  transferCanonicalBytes,
  type TransferPayload,
} from '../crypto/payload';
import { jsonResponse } from '../test/http';
import { ACC_A, ACC_B, accountJson, fakeApi, installTestSigner } from '../test/ledgerFixtures';
import { BATCH_SIZE, checkBulk, MAX_BULK_LINES, signAndSubmitBulk } from './bulk';
import { deviceSigner, setDeviceSignerForTests } from './signing';

afterEach(() => {
  setDeviceSignerForTests(null);
});

const FROM = accountJson(ACC_A, '1000.00');

describe('checkBulk', () => {
  it('reads account, amount and reference per line, skipping the header and comments', () => {
    const text = `to,amount,reference\n# November\n\n${ACC_B},150.00,Salary, November\r\n${ACC_B.toUpperCase()}, 12.5 ,\n`;
    const r = checkBulk(text, FROM);
    expect(r).toEqual({
      ok: true,
      totalMinor: 16250n,
      lines: [
        { line: 4, toAccount: ACC_B, amountMinor: 15000n, reference: 'Salary, November' },
        { line: 5, toAccount: ACC_B, amountMinor: 1250n, reference: '' },
      ],
    });
  });

  it('names the first bad line and checks the total against the balance', () => {
    const cases: [string, string][] = [
      [`${ACC_B},1.00,x\nnope,1.00,x`, 'Line 2: not an account number.'],
      [`${ACC_A},1.00,x`, 'Line 1: pays the account it is paid from.'],
      [`${ACC_B},1.001,x`, 'Line 1: EUR amounts have at most 2 decimal places.'],
      [ACC_B, 'Line 1: expected account,amount,reference.'],
      [`${ACC_B},0,x`, 'Line 1: The amount must be more than zero.'],
      [`${ACC_B},600.00,a\n${ACC_B},400.01,b`, 'The total is more than the available balance.'],
      ['# nothing\n', 'There are no transfers in the list.'],
      [
        `${ACC_B},0.01,x\n`.repeat(MAX_BULK_LINES + 1),
        'A bulk payment here has at most 1000 lines.',
      ],
    ];
    for (const [text, error] of cases) {
      expect(checkBulk(text, FROM)).toEqual({ ok: false, error });
    }
  });
});

describe('signAndSubmitBulk', () => {
  it('signs every line as its own transfer and sends them 100 at a time', async () => {
    const { key } = installTestSigner();
    const batches: SignedBody[][] = [];
    fakeApi({
      'POST /api/v1/transfer-batches': (body) => {
        const transfers = (body as { transfers: SignedBody[] }).transfers;
        batches.push(transfers);
        return jsonResponse({
          results: transfers.map((t, i) =>
            i === 0 && batches.length === 2
              ? {
                  status: 422,
                  problem: { code: 'insufficient_funds', detail: 'not enough money', status: 422 },
                }
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
          created: transfers.length,
          refused: 0,
        });
      },
    });
    const text = Array.from({ length: 150 }, (_, i) => `${ACC_B},1.00,pay ${i + 1}`).join('\n');
    const checked = checkBulk(text, FROM);
    if (!checked.ok) throw new Error(checked.error);
    const progress: number[] = [];
    const outcomes = await signAndSubmitBulk(FROM, checked.lines, deviceSigner(), (n) => {
      progress.push(n);
    });
    expect(batches.map((b) => b.length)).toEqual([BATCH_SIZE, 50]);
    expect(progress).toEqual([100, 150]);
    expect(outcomes).toHaveLength(150);
    expect(outcomes[0]).toMatchObject({ line: 1, status: 201, transferStatus: 'posted' });
    expect(outcomes[100]).toMatchObject({
      line: 101,
      status: 422,
      transferId: null,
      code: 'insufficient_funds',
      detail: 'not enough money',
    });
    // Every transfer has its own id and a signature over its own payload.
    const all = batches.flat();
    expect(new Set(all.map((b) => b.payload.transfer_id)).size).toBe(150);
    for (const [i, body] of [all[0]!, all[149]!].entries()) {
      const payload = body.payload as unknown as TransferPayload;
      expect(payload.reference).toBe(i === 0 ? 'pay 1' : 'pay 150');
      expect(payload.amount).toBe('100');
      expect(
        compositeVerify(
          key.publicKey,
          transferCanonicalBytes(payload),
          TRANSFER_SIGNATURE_CONTEXT,
          fromBase64Url(body.signature),
        ),
      ).toBe(true);
    }
  });
});
