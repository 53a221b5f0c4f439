/**
 * Checkpoint signatures checked in the browser: the C2SP signed-note signature of the audit log's
 * checkpoints, by the bank's composite ML-DSA-65 + Ed25519 audit key (draft-ietf-lamps-pq-
 * composite-sigs-19, `id-MLDSA65-Ed25519-SHA512`, empty application context), as
 * `crates/service/src/audit.rs` signs them.
 *
 * The key ID follows the signed-note recommendation, `SHA-256(name || 0x0A || type ||
 * public key)[:4]`, with type `0xff || "COMPSIG-MLDSA65-Ed25519-SHA512"` (composite ML-DSA has no
 * assigned signature type byte; see `COMPOSITE_MLDSA65_ED25519_TYPE` and `key_id()` in
 * `crates/audit/src/checkpoint.rs`).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesEqual, concat, fromBase64Url, fromHex, toHex, utf8 } from '../crypto/bytes';
import { COMPOSITE_LABEL, COMPOSITE_PK_LEN, compositeVerify } from '../crypto/composite';
import { parseCheckpointNote, type Checkpoint } from './merkle';

/** Signed-note signature type of the composite key: `0xff` then the composite label. */
export const COMPOSITE_NOTE_TYPE: Uint8Array = concat(Uint8Array.of(0xff), COMPOSITE_LABEL);
/** Signed-note signature type of Ed25519 keys (for the known-answer test). */
export const ED25519_NOTE_TYPE: Uint8Array = Uint8Array.of(0x01);
/** Composite context of checkpoint signatures: empty. */
export const CHECKPOINT_SIGNATURE_CONTEXT = new Uint8Array(0);

/** `SHA-256(name || "\n" || type || publicKey)[:4]`. */
export function noteKeyId(
  name: string,
  publicKey: Uint8Array,
  signatureType: Uint8Array = COMPOSITE_NOTE_TYPE,
): Uint8Array {
  return sha256(concat(utf8(name), utf8('\n'), signatureType, publicKey)).slice(0, 4);
}

/** The audit key as `GET /api/v1/audit/key` publishes it, decoded. */
export interface AuditKey {
  /** The log origin: first checkpoint line and note key name. */
  origin: string;
  /** The key ID the server states (4 bytes). */
  keyId: Uint8Array;
  /** Algorithm registry id. */
  algorithm: string;
  /** ML-DSA-65 public key || Ed25519 public key. */
  publicKey: Uint8Array;
  /** The key's certificate from the bank's CA, for offline checks. */
  certificatePem: string;
}

/** The JSON of `GET /api/v1/audit/key`. */
export interface AuditKeyJson {
  origin: string;
  key_id: string;
  algorithm: string;
  public_key: string;
  certificate_pem: string;
}

/** Decodes the published key; throws a `TypeError` on malformed fields. */
export function decodeAuditKey(json: AuditKeyJson): AuditKey {
  const keyId = fromHex(json.key_id);
  if (keyId.length !== 4) throw new TypeError('audit key_id is not 4 bytes');
  const publicKey = fromBase64Url(json.public_key);
  if (publicKey.length !== COMPOSITE_PK_LEN) {
    throw new TypeError(`audit public key is not ${String(COMPOSITE_PK_LEN)} bytes`);
  }
  return {
    origin: json.origin,
    keyId,
    algorithm: json.algorithm,
    publicKey,
    certificatePem: json.certificate_pem,
  };
}

/** Outcome of checking a checkpoint's signature. */
export interface SignatureCheck {
  ok: boolean;
  /** Hex key ID computed from the key (what a verified signature carries). */
  keyIdHex: string;
  /** Why it failed, or what was verified. */
  reason: string;
  /** The parsed checkpoint (also when the signature failed, if it could be parsed). */
  checkpoint: Checkpoint | null;
}

/**
 * Verifies `note`'s signature by `key`: the key ID must be the one computed from the key's name
 * and bytes (and the one the server states), the checkpoint's origin must be the key's, and a
 * signature line by that name and key ID must verify over the note text with the empty context.
 * Never throws.
 */
export function verifyCheckpointSignature(note: string, key: AuditKey): SignatureCheck {
  const keyId = noteKeyId(key.origin, key.publicKey);
  const keyIdHex = toHex(keyId);
  const fail = (reason: string, checkpoint: Checkpoint | null = null): SignatureCheck => ({
    ok: false,
    keyIdHex,
    reason,
    checkpoint,
  });
  if (!bytesEqual(keyId, key.keyId)) {
    return fail(
      `The server states key ID ${toHex(key.keyId)}, but its key computes to ${keyIdHex}.`,
    );
  }
  let checkpoint: Checkpoint;
  try {
    checkpoint = parseCheckpointNote(note);
  } catch (error) {
    return fail(
      `The checkpoint note is malformed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (checkpoint.origin !== key.origin) {
    return fail(
      `The checkpoint is for log “${checkpoint.origin}”, the key for “${key.origin}”.`,
      checkpoint,
    );
  }
  const mine = checkpoint.signatures.filter(
    (s) => s.name === key.origin && bytesEqual(s.keyId, keyId),
  );
  if (mine.length === 0) {
    return fail(`The checkpoint carries no signature by key ${keyIdHex}.`, checkpoint);
  }
  const message = utf8(checkpoint.text);
  const ok = mine.some((s) =>
    compositeVerify(key.publicKey, message, CHECKPOINT_SIGNATURE_CONTEXT, s.signature),
  );
  return ok
    ? {
        ok,
        keyIdHex,
        reason: `Checkpoint signature verified (ML-DSA-65 + Ed25519, key ${keyIdHex}).`,
        checkpoint,
      }
    : fail(
        `The signature by key ${keyIdHex} does not verify: do not trust this checkpoint.`,
        checkpoint,
      );
}
