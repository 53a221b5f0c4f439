import { describe, expect, it } from 'vitest';
import { testTree } from '../test/merkleTree';
import { checkConsistency, verifyConsistency } from './consistency';

const { leaves, root, proof } = testTree(17);

describe('consistency proofs (RFC 9162 2.1.4.2)', () => {
  it('verifies every pair of sizes of a 17-leaf tree', () => {
    for (let n = 1; n <= leaves.length; n++) {
      for (let m = 1; m <= n; m++) {
        expect(
          () => {
            verifyConsistency(BigInt(m), BigInt(n), root(m), root(n), proof(m, n));
          },
          `${String(m)} -> ${String(n)}`,
        ).not.toThrow();
      }
    }
  });

  it('refuses a changed hash, a wrong root, and a proof for other sizes', () => {
    for (const [m, n] of [
      [1, 2],
      [3, 7],
      [4, 8],
      [6, 17],
      [8, 13],
    ] as const) {
      const p = proof(m, n);
      for (let i = 0; i < p.length; i++) {
        const bad = p.map((h) => Uint8Array.from(h));
        bad[i]![0]! ^= 1;
        expect(() => {
          verifyConsistency(BigInt(m), BigInt(n), root(m), root(n), bad);
        }).toThrow();
      }
      expect(() => {
        verifyConsistency(BigInt(m), BigInt(n), root(m), root(n - 1 || 1), p);
      }).toThrow();
      expect(() => {
        verifyConsistency(BigInt(m), BigInt(n), root(m === 1 ? 2 : m - 1), root(n), p);
      }).toThrow();
      expect(() => {
        verifyConsistency(BigInt(m), BigInt(n), root(m), root(n), [...p, root(1)]);
      }).toThrow();
      if (p.length > 1) {
        expect(() => {
          verifyConsistency(BigInt(m), BigInt(n), root(m), root(n), p.slice(0, -1));
        }).toThrow();
      }
    }
  });

  it('handles the edge sizes', () => {
    expect(() => {
      verifyConsistency(5n, 5n, root(5), root(5), []);
    }).not.toThrow();
    expect(() => {
      verifyConsistency(5n, 5n, root(5), root(4), []);
    }).toThrow('same size but different roots');
    expect(() => {
      verifyConsistency(0n, 5n, new Uint8Array(32), root(5), []);
    }).not.toThrow();
    expect(() => {
      verifyConsistency(6n, 5n, root(5), root(5), []);
    }).toThrow('larger');
    expect(() => {
      verifyConsistency(3n, 5n, root(3), root(5), []);
    }).toThrow('empty');
  });

  it('reports a result for display', () => {
    const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    const ok = checkConsistency(
      { size: 3n, root: root(3) },
      { size: 9n, root: root(9) },
      proof(3, 9).map(hex),
    );
    expect(ok.ok).toBe(true);
    expect(ok.reason).toContain('The log of 9 entries');
    const bad = checkConsistency(
      { size: 3n, root: root(4) },
      { size: 9n, root: root(9) },
      proof(3, 9).map(hex),
    );
    expect(bad).toMatchObject({ ok: false, reason: expect.stringContaining('first') as string });
  });
});
