/**
 * RFC 9162 consistency proofs (section 2.1.4.2), checked in the browser: that the tree of
 * `second` leaves with root `secondRoot` extends the tree of `first` leaves with root
 * `firstRoot` (the log only grew; nothing earlier changed). Written from the RFC, beside the
 * inclusion verifier in `merkle.ts`, with the same node hash.
 */
import { bytesEqual, fromHex, toHex } from '../crypto/bytes';
import { MAX_PROOF_LEN, nodeHash, ProofError } from './merkle';

function isPowerOfTwo(n: bigint): boolean {
  return n > 0n && (n & (n - 1n)) === 0n;
}

/**
 * Verifies a consistency proof; throws {@link ProofError} saying why it does not hold.
 * Equal sizes need an empty proof and equal roots; a first size of 0 is consistent with any
 * tree (the empty tree is a prefix of every tree) and needs an empty proof.
 */
export function verifyConsistency(
  first: bigint,
  second: bigint,
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
  proof: readonly Uint8Array[],
): void {
  if (first < 0n || second < 0n) throw new ProofError('tree sizes must not be negative');
  if (first > second) {
    throw new ProofError(
      `the first tree (${first.toString()}) is larger than the second (${second.toString()})`,
    );
  }
  if (firstRoot.length !== 32 || secondRoot.length !== 32 || proof.some((p) => p.length !== 32)) {
    throw new ProofError('hashes must be 32 bytes');
  }
  if (proof.length > MAX_PROOF_LEN) throw new ProofError('the proof is too long');
  if (first === second) {
    if (proof.length !== 0) throw new ProofError('a proof between equal sizes must be empty');
    if (!bytesEqual(firstRoot, secondRoot)) {
      throw new ProofError('the two checkpoints have the same size but different roots');
    }
    return;
  }
  if (first === 0n) {
    if (proof.length !== 0) throw new ProofError('a proof from the empty tree must be empty');
    return;
  }
  // 1. An empty path fails.
  if (proof.length === 0) throw new ProofError('the proof is empty');
  // 2. If first is an exact power of 2, first_hash is the first element of the path.
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof];
  // 3.-4.
  let fn = first - 1n;
  let sn = second - 1n;
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  // 5.
  const start = path[0];
  if (!start) throw new ProofError('the proof is empty');
  let fr = start;
  let sr = start;
  // 6.
  for (const c of path.slice(1)) {
    if (sn === 0n) throw new ProofError('the proof has too many hashes');
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  // 7.
  if (sn !== 0n) throw new ProofError('the proof has too few hashes');
  if (!bytesEqual(fr, firstRoot)) {
    throw new ProofError('the proof does not lead to the first checkpoint’s root');
  }
  if (!bytesEqual(sr, secondRoot)) {
    throw new ProofError('the proof does not lead to the second checkpoint’s root');
  }
}

/** Outcome of checking two checkpoints against a consistency proof. */
export interface ConsistencyCheck {
  ok: boolean;
  reason: string;
  pathLength: number;
}

/** {@link verifyConsistency} over hex hashes, as a result for display. */
export function checkConsistency(
  first: { size: bigint; root: Uint8Array },
  second: { size: bigint; root: Uint8Array },
  proofHex: readonly string[],
): ConsistencyCheck {
  try {
    verifyConsistency(
      first.size,
      second.size,
      first.root,
      second.root,
      proofHex.map((h) => fromHex(h)),
    );
    return {
      ok: true,
      reason: `The log of ${second.size.toString()} entries (root ${toHex(second.root).slice(0, 16)}…) extends the log of ${first.size.toString()} entries unchanged.`,
      pathLength: proofHex.length,
    };
  } catch (error) {
    return {
      ok: false,
      reason: error instanceof Error ? error.message : String(error),
      pathLength: proofHex.length,
    };
  }
}
