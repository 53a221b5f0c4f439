/// <reference types="node" />
/**
 * Public conformance vectors (X-Wing draft, composite signatures draft), read from the folder in
 * `PQBANK_VECTORS` like the Rust tests do; skipped when it is not set.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fromBase64, fromHex, toHex } from './bytes';
import { compositeKeyFromPrivate, compositeVerify } from './composite';
import { xwingDecapsulate, xwingEncapsulate, xwingFromSeed } from './xwing';

function vectorsDir(): string | undefined {
  const dir = process.env.PQBANK_VECTORS;
  if (!dir) return undefined;
  // Relative paths are relative to the repository root (CI sets `../shared/vectors`).
  return isAbsolute(dir) ? dir : resolve(import.meta.dirname, '../../..', dir);
}

const dir = vectorsDir();
const maybe = dir && existsSync(dir) ? describe : describe.skip;

maybe('conformance vectors (PQBANK_VECTORS)', () => {
  it('X-Wing draft vectors', () => {
    const vectors = JSON.parse(readFileSync(join(dir!, 'xwing/test-vectors.json'), 'utf8')) as {
      seed: string;
      eseed: string;
      ss: string;
      pk: string;
      ct: string;
    }[];
    expect(vectors.length).toBeGreaterThan(0);
    for (const v of vectors) {
      const pair = xwingFromSeed(fromHex(v.seed));
      expect(toHex(pair.publicKey)).toBe(v.pk);
      const enc = xwingEncapsulate(pair.publicKey, fromHex(v.eseed));
      expect(toHex(enc.ciphertext)).toBe(v.ct);
      expect(toHex(enc.sharedSecret)).toBe(v.ss);
      expect(toHex(xwingDecapsulate(pair.seed, fromHex(v.ct)))).toBe(v.ss);
    }
  });

  it('composite signature draft vectors (id-MLDSA65-Ed25519-SHA512)', () => {
    const doc = JSON.parse(readFileSync(join(dir!, 'composite-sigs/testvectors.json'), 'utf8')) as {
      m: string;
      ctx: string;
      tests: { tcId: string; pk: string; sk: string; s: string; sWithContext: string }[];
    };
    const t = doc.tests.find((x) => x.tcId === 'id-MLDSA65-Ed25519-SHA512');
    expect(t).toBeDefined();
    const pk = fromBase64(t!.pk);
    const m = fromBase64(doc.m);
    const ctx = fromBase64(doc.ctx);
    expect(compositeVerify(pk, m, new Uint8Array(0), fromBase64(t!.s))).toBe(true);
    expect(compositeVerify(pk, m, ctx, fromBase64(t!.sWithContext))).toBe(true);
    expect(compositeVerify(pk, m, ctx, fromBase64(t!.s))).toBe(false);
    // The draft's private key is the two seeds, as pqbank stores it.
    expect(toHex(compositeKeyFromPrivate(fromBase64(t!.sk)).publicKey)).toBe(toHex(pk));
  });
});
