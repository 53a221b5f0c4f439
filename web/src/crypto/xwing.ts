/**
 * X-Wing (draft-connolly-cfrg-xwing-kem): ML-KEM-768 + X25519 with the SHA3-256 combiner.
 * noble's `ml_kem768_x25519` is X-Wing: the 32-byte seed is the private key (expanded with
 * SHAKE256), encapsulation randomness is ML-KEM `m` (32 bytes) then the X25519 ephemeral secret
 * (32 bytes), the same as `crates/crypto/src/kem/xwing.rs`. The draft's test vectors and the
 * Rust-generated fixtures check this.
 */
import { ml_kem768_x25519 } from '@noble/post-quantum/hybrid.js';

export const XWING_SEED_LEN = 32;
export const XWING_PK_LEN = 1216;
export const XWING_CT_LEN = 1120;
export const XWING_SS_LEN = 32;
export const XWING_ESEED_LEN = 64;

/** An X-Wing key pair; `seed` is the private key. */
export interface XWingKeyPair {
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** Derives the key pair from a 32-byte seed. */
export function xwingFromSeed(seed: Uint8Array): XWingKeyPair {
  if (seed.length !== XWING_SEED_LEN) throw new RangeError('X-Wing seed must be 32 bytes');
  const { publicKey } = ml_kem768_x25519.keygen(seed);
  return { seed: Uint8Array.from(seed), publicKey };
}

/** A fresh (ephemeral) key pair. */
export function xwingGenerate(): XWingKeyPair {
  return xwingFromSeed(crypto.getRandomValues(new Uint8Array(XWING_SEED_LEN)));
}

/** Decapsulates a 1120-byte ciphertext to the 32-byte shared secret. */
export function xwingDecapsulate(seed: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  if (ciphertext.length !== XWING_CT_LEN)
    throw new RangeError('X-Wing ciphertext must be 1120 bytes');
  return ml_kem768_x25519.decapsulate(ciphertext, seed);
}

/** Encapsulates to `publicKey`; `eseed` (64 bytes) makes it deterministic (tests only). */
export function xwingEncapsulate(
  publicKey: Uint8Array,
  eseed?: Uint8Array,
): { ciphertext: Uint8Array; sharedSecret: Uint8Array } {
  const { cipherText, sharedSecret } =
    eseed === undefined
      ? ml_kem768_x25519.encapsulate(publicKey)
      : ml_kem768_x25519.encapsulate(publicKey, eseed);
  return { ciphertext: cipherText, sharedSecret };
}
