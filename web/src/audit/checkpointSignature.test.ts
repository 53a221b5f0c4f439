import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { concat, fromBase64, toBase64, toHex, utf8 } from '../crypto/bytes';
import { compositeSign, compositeVerify } from '../crypto/composite';
import { testAuditKey, TEST_ORIGIN } from '../test/auditKey';
import {
  decodeAuditKey,
  ED25519_NOTE_TYPE,
  noteKeyId,
  verifyCheckpointSignature,
} from './checkpointSignature';

const root = sha256(utf8('root'));

function flipChar(note: string, at: number): string {
  const c = note.charAt(at);
  return note.slice(0, at) + (c === 'A' ? 'B' : 'A') + note.slice(at + 1);
}

describe('composite signatures over checkpoint notes', () => {
  const { key, json, note } = testAuditKey();

  it('verifies what the composite signer signs with the empty context; a flipped byte fails', () => {
    const msg = utf8('pqbank.test/audit\n3\nroot\n');
    const sig = compositeSign(key.privateKey, msg, new Uint8Array(0));
    expect(compositeVerify(key.publicKey, msg, new Uint8Array(0), sig)).toBe(true);
    for (const at of [0, 3308, 3309, sig.length - 1]) {
      const bad = Uint8Array.from(sig);
      bad[at] = (bad[at] ?? 0) ^ 1;
      expect(compositeVerify(key.publicKey, msg, new Uint8Array(0), bad)).toBe(false);
    }
    expect(compositeVerify(key.publicKey, msg, utf8('x'), sig)).toBe(false);
  });

  it('computes key IDs like crates/audit key_id()', () => {
    // SHA-256(name || "\n" || 0xff || "COMPSIG-MLDSA65-Ed25519-SHA512" || public key)[:4]
    const expected = sha256(
      concat(
        utf8(`${TEST_ORIGIN}\n`),
        Uint8Array.of(0xff),
        utf8('COMPSIG-MLDSA65-Ed25519-SHA512'),
        key.publicKey,
      ),
    ).slice(0, 4);
    expect(toHex(noteKeyId(TEST_ORIGIN, key.publicKey))).toBe(toHex(expected));
    expect(json.key_id).toBe(toHex(expected));
    // The Go sumdb / signed-note example key: "PeterNeumann+c74f20a3+ARpc2QcU...".
    const vkey = fromBase64('ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW');
    expect(toHex(noteKeyId('PeterNeumann', vkey.subarray(1), ED25519_NOTE_TYPE))).toBe('c74f20a3');
  });

  it('verifies a signed checkpoint note and refuses tampered ones', () => {
    const k = decodeAuditKey(json);
    const good = note(5, root, ['time 2026-11-29T09:10:00.000000Z']);
    const ok = verifyCheckpointSignature(good, k);
    expect(ok.ok).toBe(true);
    expect(ok.reason).toBe(
      `Checkpoint signature verified (ML-DSA-65 + Ed25519, key ${json.key_id}).`,
    );
    expect(ok.checkpoint?.size).toBe(5n);

    // Another size in the text.
    const other = good.replace('\n5\n', '\n6\n');
    expect(verifyCheckpointSignature(other, k)).toMatchObject({ ok: false });
    // A byte of the signature (inside the base64 of the ML-DSA half).
    const sigStart = good.indexOf('\u2014');
    expect(verifyCheckpointSignature(flipChar(good, sigStart + 40), k).ok).toBe(false);
    // The Ed25519 half (last characters before the padding).
    expect(verifyCheckpointSignature(flipChar(good, good.length - 6), k).ok).toBe(false);
  });

  it('refuses a key whose stated ID does not match, another origin, or no signature by the key', () => {
    const good = note(5, root);
    const k = decodeAuditKey(json);
    expect(
      verifyCheckpointSignature(good, { ...k, keyId: Uint8Array.of(1, 2, 3, 4) }).reason,
    ).toMatch(/computes to/);
    const other = testAuditKey('other.test/audit');
    expect(verifyCheckpointSignature(other.note(5, root), k).reason).toMatch(/for log/);
    const stranger = testAuditKey(TEST_ORIGIN, 9);
    const r = verifyCheckpointSignature(stranger.note(5, root), k);
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/no signature by key/);
    expect(verifyCheckpointSignature('garbage', k).reason).toMatch(/malformed/);
  });

  it('decodes the published key strictly', () => {
    expect(() => decodeAuditKey({ ...json, key_id: 'abcd' })).toThrow(TypeError);
    expect(() => decodeAuditKey({ ...json, public_key: 'AAAA' })).toThrow(TypeError);
    expect(decodeAuditKey(json).publicKey).toEqual(key.publicKey);
    expect(toBase64(decodeAuditKey(json).keyId)).toBe(
      toBase64(noteKeyId(TEST_ORIGIN, key.publicKey)),
    );
  });
});
