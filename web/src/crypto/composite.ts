/**
 * Composite ML-DSA-65 + Ed25519 signatures (draft-ietf-lamps-pq-composite-sigs-19), exactly as
 * `crates/crypto/src/sig` builds them:
 *
 * ```text
 * M'  = "CompositeAlgorithmSignatures2025" || Label || len(ctx) (1 byte) || ctx || SHA-512(M)
 * sig = ML-DSA-65.Sign(sk1, M', ctx = Label) || Ed25519.Sign(sk2, M')
 * pk  = ML-DSA-65 public key (1952 bytes) || Ed25519 public key (32 bytes)
 * sk  = ML-DSA-65 seed (32 bytes) || Ed25519 seed (32 bytes)
 * ```
 *
 * Verification fails if either half fails. The Ed25519 half is verified strictly (RFC 8032,
 * not ZIP-215), like AWS-LC on the server.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { concat, utf8, wipe } from './bytes';
import { algorithmIdentifier, bitString, sequence } from './der';

/** The composite algorithm pqbank devices use. */
export const COMPOSITE_ALGORITHM = {
  /** Registry id (`SignatureAlgorithm::id`). */
  id: 'mldsa65-ed25519',
  /** Specification name. */
  name: 'id-MLDSA65-Ed25519-SHA512',
  /** OID (key and signature `AlgorithmIdentifier`, parameters absent). */
  oid: '1.3.6.1.5.5.7.6.48',
} as const;

/** Composite signature prefix (draft-19). */
export const COMPOSITE_PREFIX = utf8('CompositeAlgorithmSignatures2025');
/** Label of ML-DSA-65 + Ed25519 with SHA-512 pre-hash. */
export const COMPOSITE_LABEL = utf8('COMPSIG-MLDSA65-Ed25519-SHA512');

export const MLDSA65_PK_LEN = 1952;
export const MLDSA65_SIG_LEN = 3309;
export const ED25519_PK_LEN = 32;
export const ED25519_SIG_LEN = 64;
export const SEED_LEN = 32;
/** Composite public key length. */
export const COMPOSITE_PK_LEN = MLDSA65_PK_LEN + ED25519_PK_LEN;
/** Composite private key (two seeds) length. */
export const COMPOSITE_SK_LEN = 2 * SEED_LEN;
/** Composite signature length. */
export const COMPOSITE_SIG_LEN = MLDSA65_SIG_LEN + ED25519_SIG_LEN;
/** Longest application context. */
export const MAX_CONTEXT_LEN = 255;

/** A composite key pair. `privateKey` is the 64-byte stored form; keep it secret. */
export interface CompositeKeyPair {
  /** ML-DSA-65 seed || Ed25519 seed. */
  readonly privateKey: Uint8Array;
  /** ML-DSA-65 public key || Ed25519 public key. */
  readonly publicKey: Uint8Array;
}

function checkContext(ctx: Uint8Array): void {
  if (ctx.length > MAX_CONTEXT_LEN) throw new RangeError('context longer than 255 bytes');
}

/** `M'` of the composite construction. */
export function compositeMessage(ctx: Uint8Array, msg: Uint8Array): Uint8Array<ArrayBuffer> {
  checkContext(ctx);
  return concat(COMPOSITE_PREFIX, COMPOSITE_LABEL, Uint8Array.of(ctx.length), ctx, sha512(msg));
}

function split(privateKey: Uint8Array): { mldsaSeed: Uint8Array; edSeed: Uint8Array } {
  if (privateKey.length !== COMPOSITE_SK_LEN) {
    throw new RangeError('composite private key must be 64 bytes');
  }
  return {
    mldsaSeed: privateKey.subarray(0, SEED_LEN),
    edSeed: privateKey.subarray(SEED_LEN),
  };
}

/** Derives the key pair from its 64-byte private key (ML-DSA seed || Ed25519 seed). */
export function compositeKeyFromPrivate(privateKey: Uint8Array): CompositeKeyPair {
  const { mldsaSeed, edSeed } = split(privateKey);
  const mldsa = ml_dsa65.keygen(mldsaSeed);
  wipe(mldsa.secretKey);
  return {
    privateKey: Uint8Array.from(privateKey),
    publicKey: concat(mldsa.publicKey, ed25519.getPublicKey(edSeed)),
  };
}

/** A fresh key pair from the platform CSPRNG. */
export function generateCompositeKey(): CompositeKeyPair {
  const seed = crypto.getRandomValues(new Uint8Array(COMPOSITE_SK_LEN));
  try {
    return compositeKeyFromPrivate(seed);
  } finally {
    wipe(seed);
  }
}

/**
 * Signs `msg` with application context `ctx`. `rnd` is the 32-byte ML-DSA signing randomness
 * (hedged signing); leave it out to draw it from the platform CSPRNG. Tests pass a fixed value to
 * reproduce the Rust crate's signatures byte for byte.
 */
export function compositeSign(
  privateKey: Uint8Array,
  msg: Uint8Array,
  ctx: Uint8Array,
  rnd?: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const { mldsaSeed, edSeed } = split(privateKey);
  const m = compositeMessage(ctx, msg);
  const mldsa = ml_dsa65.keygen(mldsaSeed);
  try {
    const entropy = rnd ?? crypto.getRandomValues(new Uint8Array(32));
    const pq = ml_dsa65.sign(m, mldsa.secretKey, {
      context: COMPOSITE_LABEL,
      extraEntropy: entropy,
    });
    if (rnd === undefined) wipe(entropy);
    return concat(pq, ed25519.sign(m, edSeed));
  } finally {
    wipe(mldsa.secretKey);
  }
}

/** Verifies a composite signature; false for any malformed input. */
export function compositeVerify(
  publicKey: Uint8Array,
  msg: Uint8Array,
  ctx: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (
    publicKey.length !== COMPOSITE_PK_LEN ||
    signature.length !== COMPOSITE_SIG_LEN ||
    ctx.length > MAX_CONTEXT_LEN
  ) {
    return false;
  }
  const m = compositeMessage(ctx, msg);
  try {
    return (
      ml_dsa65.verify(
        signature.subarray(0, MLDSA65_SIG_LEN),
        m,
        publicKey.subarray(0, MLDSA65_PK_LEN),
        {
          context: COMPOSITE_LABEL,
        },
      ) &&
      ed25519.verify(signature.subarray(MLDSA65_SIG_LEN), m, publicKey.subarray(MLDSA65_PK_LEN), {
        zip215: false,
      })
    );
  } catch {
    return false;
  }
}

/** DER `SubjectPublicKeyInfo` of a composite public key (OID, parameters absent). */
export function compositeSpki(publicKey: Uint8Array): Uint8Array<ArrayBuffer> {
  if (publicKey.length !== COMPOSITE_PK_LEN) throw new RangeError('composite public key length');
  return sequence(algorithmIdentifier(COMPOSITE_ALGORITHM.oid), bitString(publicKey));
}
