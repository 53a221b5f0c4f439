/**
 * RFC 9162 Merkle tree hashing and inclusion proofs, and the C2SP checkpoint note, checked in
 * the browser (the same algorithm as `crates/audit/src/proof.rs`, written from the RFC).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesEqual, concat, fromBase64, fromHex, toHex, utf8 } from '../crypto/bytes';

/** Longest proof accepted (a tree of at most 2^64 - 1 leaves). */
export const MAX_PROOF_LEN = 64;

/** `SHA-256(0x00 || leaf)`. */
export function leafHash(leaf: Uint8Array): Uint8Array {
  return sha256(concat(Uint8Array.of(0), leaf));
}

/** `SHA-256(0x01 || left || right)`. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(concat(Uint8Array.of(1), left, right));
}

/** Why a proof did not verify. */
export class ProofError extends Error {
  override name = 'ProofError';
}

/** The root implied by an inclusion proof (RFC 9162 section 2.1.3.2, steps 1-4). */
export function rootFromInclusionProof(
  leaf: Uint8Array,
  index: bigint,
  size: bigint,
  proof: readonly Uint8Array[],
): Uint8Array {
  if (index < 0n || index >= size) {
    throw new ProofError(
      `leaf index ${index.toString()} is not below tree size ${size.toString()}`,
    );
  }
  const wrongLength = () =>
    new ProofError(`proof has the wrong number of hashes (${proof.length.toString()})`);
  if (proof.length > MAX_PROOF_LEN) throw wrongLength();
  if (leaf.length !== 32 || proof.some((p) => p.length !== 32)) {
    throw new ProofError('hashes must be 32 bytes');
  }
  let fn = index;
  let sn = size - 1n;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) throw wrongLength();
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw wrongLength();
  return r;
}

/** A parsed checkpoint note (signatures not checked). */
export interface Checkpoint {
  origin: string;
  size: bigint;
  root: Uint8Array;
  extensions: string[];
  /** The signed text (body lines, newline-terminated). */
  text: string;
  signatures: { name: string; keyId: Uint8Array; signature: Uint8Array }[];
}

/** Parses a C2SP signed note carrying a tlog checkpoint, strictly. */
export function parseCheckpointNote(note: string): Checkpoint {
  const split = note.indexOf('\n\n');
  if (split < 0) throw new ProofError('checkpoint note has no signature block');
  const text = note.slice(0, split + 1);
  const lines = text.slice(0, -1).split('\n');
  const [origin, sizeLine, rootLine, ...extensions] = lines;
  if (origin === undefined || sizeLine === undefined || rootLine === undefined || origin === '') {
    throw new ProofError('checkpoint has fewer than three lines');
  }
  if (!/^(0|[1-9][0-9]{0,19})$/.test(sizeLine))
    throw new ProofError('checkpoint size is malformed');
  const root = fromBase64(rootLine);
  if (root.length !== 32) throw new ProofError('checkpoint root hash is not 32 bytes');
  const signatures = note
    .slice(split + 2)
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const m = /^\u2014 (\S+) (\S+)$/.exec(line);
      if (!m?.[1] || !m[2]) throw new ProofError('malformed signature line');
      const blob = fromBase64(m[2]);
      if (blob.length < 5) throw new ProofError('signature too short');
      return { name: m[1], keyId: blob.slice(0, 4), signature: blob.slice(4) };
    });
  return { origin, size: BigInt(sizeLine), root, extensions, text, signatures };
}

/** Outcome of checking one audit entry against a checkpoint. */
export interface InclusionCheck {
  ok: boolean;
  /** Hex root computed from the leaf and the proof (when it could be computed). */
  computedRoot: string | null;
  /** Hex root of the checkpoint. */
  checkpointRoot: string;
  /** Whether the leaf text hashes to the leaf hash the proof starts from. */
  leafMatches: boolean;
  reason: string;
}

/**
 * Checks that `leafText` (the canonical event bytes) is leaf `index` of the checkpoint's tree,
 * with the audit path `proofHex` (leaf sibling first).
 */
export function checkInclusion(
  leafText: string,
  proofLeafHashHex: string,
  index: bigint,
  proofHex: readonly string[],
  checkpoint: Pick<Checkpoint, 'size' | 'root'>,
): InclusionCheck {
  const computedLeaf = leafHash(utf8(leafText));
  const checkpointRoot = toHex(checkpoint.root);
  const leafMatches = toHex(computedLeaf) === proofLeafHashHex.toLowerCase();
  if (!leafMatches) {
    return {
      ok: false,
      computedRoot: null,
      checkpointRoot,
      leafMatches,
      reason: 'The entry does not hash to the leaf hash of the proof.',
    };
  }
  try {
    const root = rootFromInclusionProof(
      computedLeaf,
      index,
      checkpoint.size,
      proofHex.map((h) => fromHex(h)),
    );
    const ok = bytesEqual(root, checkpoint.root);
    return {
      ok,
      computedRoot: toHex(root),
      checkpointRoot,
      leafMatches,
      reason: ok
        ? 'The proof leads from the entry to the checkpoint root.'
        : 'The proof does not lead to the checkpoint root.',
    };
  } catch (error) {
    return {
      ok: false,
      computedRoot: null,
      checkpointRoot,
      leafMatches,
      reason: error instanceof Error ? error.message : String(error),
    };
  }
}
