/**
 * An independent Merkle tree for tests, straight from RFC 9162: MTH (section 2.1.1) and
 * consistency proofs by SUBPROOF (section 2.1.4.1).
 */
import { utf8 } from '../crypto/bytes';
import { leafHash, nodeHash } from '../audit/merkle';

function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The root of a list of leaf hashes. */
export function mth(d: readonly Uint8Array[]): Uint8Array {
  if (d.length === 1) return d[0] ?? new Uint8Array(32);
  const k = split(d.length);
  return nodeHash(mth(d.slice(0, k)), mth(d.slice(k)));
}

function subproof(m: number, d: readonly Uint8Array[], b: boolean): Uint8Array[] {
  const n = d.length;
  if (m === n) return b ? [] : [mth(d)];
  const k = split(n);
  if (m <= k) return [...subproof(m, d.slice(0, k), b), mth(d.slice(k))];
  return [...subproof(m - k, d.slice(k), false), mth(d.slice(0, k))];
}

/** A tree of `count` leaves (`event 0`, `event 1`, ...). */
export function testTree(count: number) {
  const leaves = Array.from({ length: count }, (_, i) => leafHash(utf8(`event ${String(i)}`)));
  return {
    leaves,
    /** Root of the first `n` leaves. */
    root: (n: number) => mth(leaves.slice(0, n)),
    /** Consistency proof from size `m` to size `n`. */
    proof: (m: number, n: number) => subproof(m, leaves.slice(0, n), true),
  };
}

/** RFC 9162 PATH(m, D[n]): the inclusion proof of leaf `m`, leaf sibling first. */
export function inclusionPath(m: number, d: readonly Uint8Array[]): Uint8Array[] {
  const n = d.length;
  if (n <= 1) return [];
  const k = split(n);
  if (m < k) return [...inclusionPath(m, d.slice(0, k)), mth(d.slice(k))];
  return [...inclusionPath(m - k, d.slice(k)), mth(d.slice(0, k))];
}
