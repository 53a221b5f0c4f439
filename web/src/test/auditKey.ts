/** A test audit key that signs checkpoint notes the way the server does. */
import { toBase64, toBase64Url, toHex, utf8 } from '../crypto/bytes';
import { compositeKeyFromPrivate, compositeSign } from '../crypto/composite';
import { noteKeyId } from '../audit/checkpointSignature';

export const TEST_ORIGIN = 'pqbank.test/audit';

/** A deterministic composite key (fixed seeds), its published JSON and a note signer. */
export function testAuditKey(origin = TEST_ORIGIN, seedByte = 7) {
  const key = compositeKeyFromPrivate(new Uint8Array(64).fill(seedByte));
  const keyId = noteKeyId(origin, key.publicKey);
  const json = {
    origin,
    key_id: toHex(keyId),
    algorithm: 'mldsa65-ed25519',
    public_key: toBase64Url(key.publicKey),
    certificate_pem: '-----BEGIN CERTIFICATE-----\nTUlJ\n-----END CERTIFICATE-----\n',
  };
  /** The signed note of a checkpoint (empty composite context over the note text). */
  const note = (size: number, root: Uint8Array, extensions: string[] = []) => {
    const text = [origin, String(size), toBase64(root), ...extensions]
      .map((l) => `${l}\n`)
      .join('');
    const sig = compositeSign(key.privateKey, utf8(text), new Uint8Array(0), new Uint8Array(32));
    const blob = new Uint8Array(4 + sig.length);
    blob.set(keyId);
    blob.set(sig, 4);
    return `${text}\n\u2014 ${origin} ${toBase64(blob)}\n`;
  };
  return { key, keyId, json, note };
}
