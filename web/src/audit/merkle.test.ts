import { describe, expect, it } from 'vitest';
import { fromHex, toBase64, toHex, utf8 } from '../crypto/bytes';
import vectors from '../test/fixtures/merkle-inclusion.json';
import {
  ProofError,
  checkInclusion,
  leafHash,
  nodeHash,
  parseCheckpointNote,
  rootFromInclusionProof,
} from './merkle';

// The vectors are computed by a separate Python program from the recursive definitions of
// RFC 9162 (MTH and PATH), not by the Rust code: see the fixture's "generator".
describe('RFC 9162 inclusion proofs', () => {
  it('hashes leaves and nodes with the domain separation bytes', () => {
    // SHA-256 of the single byte 0x00 (empty leaf).
    expect(toHex(leafHash(new Uint8Array()))).toBe(
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    );
    const l = leafHash(utf8('a'));
    expect(nodeHash(l, l)).not.toEqual(leafHash(new Uint8Array([...l, ...l])));
  });

  it.each(vectors.cases.map((c) => [`${String(c.index)} of ${String(c.tree_size)}`, c] as const))(
    'verifies leaf %s',
    (_, c) => {
      expect(toHex(leafHash(utf8(c.leaf)))).toBe(c.leaf_hash);
      const root = rootFromInclusionProof(
        fromHex(c.leaf_hash),
        BigInt(c.index),
        BigInt(c.tree_size),
        c.hashes.map((h) => fromHex(h)),
      );
      expect(toHex(root)).toBe(c.root);
      const check = checkInclusion(c.leaf, c.leaf_hash, BigInt(c.index), c.hashes, {
        size: BigInt(c.tree_size),
        root: fromHex(c.root),
      });
      expect(check.ok).toBe(true);
    },
  );

  const multi = vectors.cases.filter((c) => c.hashes.length > 1);

  it('rejects a tampered leaf, a tampered path, a wrong index and a wrong size', () => {
    for (const c of multi) {
      const cp = { size: BigInt(c.tree_size), root: fromHex(c.root) };
      expect(checkInclusion(`${c.leaf} `, c.leaf_hash, BigInt(c.index), c.hashes, cp).ok).toBe(
        false,
      );
      const bad = [...c.hashes];
      bad[0] = `${bad[0]?.slice(0, 62) ?? ''}00` === bad[0] ? 'ff'.repeat(32) : '00'.repeat(32);
      expect(checkInclusion(c.leaf, c.leaf_hash, BigInt(c.index), bad, cp).ok).toBe(false);
      const other = (c.index + 1) % c.tree_size;
      expect(checkInclusion(c.leaf, c.leaf_hash, BigInt(other), c.hashes, cp).ok).toBe(false);
      expect(checkInclusion(c.leaf, c.leaf_hash, BigInt(c.index), c.hashes.slice(1), cp).ok).toBe(
        false,
      );
    }
  });

  it('refuses an index outside the tree and proofs of the wrong length', () => {
    const leaf = leafHash(utf8('x'));
    expect(() => rootFromInclusionProof(leaf, 3n, 3n, [])).toThrow(ProofError);
    expect(() => rootFromInclusionProof(leaf, 0n, 2n, [])).toThrow(/wrong number/);
    expect(() => rootFromInclusionProof(leaf, 0n, 1n, [leaf])).toThrow(/wrong number/);
    expect(toHex(rootFromInclusionProof(leaf, 0n, 1n, []))).toBe(toHex(leaf));
  });
});

describe('checkpoint notes', () => {
  const root = fromHex(vectors.cases[0]?.root ?? '');
  const sig = toBase64(new Uint8Array([1, 2, 3, 4, 9, 9, 9]));
  const note = `bank.example/audit\n12\n${toBase64(root)}\ntime 2026-11-29T09:10:00.000000Z\n\n\u2014 bank.example/audit ${sig}\n`;

  it('parses origin, size, root, extensions and signature lines', () => {
    const cp = parseCheckpointNote(note);
    expect(cp.origin).toBe('bank.example/audit');
    expect(cp.size).toBe(12n);
    expect(toHex(cp.root)).toBe(toHex(root));
    expect(cp.extensions).toEqual(['time 2026-11-29T09:10:00.000000Z']);
    expect(cp.text).toBe(note.slice(0, note.indexOf('\n\n') + 1));
    expect(cp.signatures).toHaveLength(1);
    expect(Array.from(cp.signatures[0]?.keyId ?? [])).toEqual([1, 2, 3, 4]);
  });

  it('rejects malformed notes', () => {
    expect(() => parseCheckpointNote('origin\n12\n')).toThrow(ProofError);
    expect(() => parseCheckpointNote(note.replace('\n12\n', '\n012\n'))).toThrow(/size/);
    expect(() => parseCheckpointNote(note.replace(toBase64(root), 'AAAA'))).toThrow(/32 bytes/);
  });
});
