/**
 * Session keys and request MACs (`crates/crypto/src/session.rs`, `crates/domain/src/auth.rs`):
 * the session key is HKDF-SHA256(salt = SHA-256(transcript), ikm = X-Wing shared secret,
 * info = "pqbank session key v1"); each request carries
 * `x-pqbank-mac: v1 ts=<unix seconds>,ctr=<counter>,mac=<base64url HMAC-SHA256>`.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { toBase64Url, toHex, utf8 } from './bytes';

/** HKDF `info` of the session key. */
export const SESSION_KEY_INFO = utf8('pqbank session key v1');
/** Session key length. */
export const SESSION_KEY_LEN = 32;
/** The request MAC header. */
export const MAC_HEADER = 'x-pqbank-mac';

/** `HKDF-SHA256(salt = SHA-256(transcript), ikm = sharedSecret, info)`, 32 bytes. */
export function deriveSessionKey(
  sharedSecret: Uint8Array,
  transcript: Uint8Array,
  info: Uint8Array = SESSION_KEY_INFO,
): Uint8Array {
  return hkdf(sha256, sharedSecret, sha256(transcript), info, SESSION_KEY_LEN);
}

/** Lower-case hex SHA-256. */
export function sha256Hex(data: Uint8Array): string {
  return toHex(sha256(data));
}

/** The bytes a request MAC covers (`request_mac_input`). */
export function requestMacInput(
  method: string,
  pathAndQuery: string,
  bodySha256Hex: string,
  timestamp: number,
  counter: number,
): Uint8Array {
  if (!Number.isSafeInteger(timestamp) || !Number.isSafeInteger(counter)) {
    throw new RangeError('timestamp and counter must be integers');
  }
  return utf8(
    `pqbank-mac-v1\n${method}\n${pathAndQuery}\n${bodySha256Hex}\n${timestamp}\n${counter}`,
  );
}

/** HMAC-SHA256 of `input` under `key`. */
export function requestMac(key: Uint8Array, input: Uint8Array): Uint8Array {
  return hmac(sha256, key, input);
}

/** The `x-pqbank-mac` header value for one request. */
export function macHeader(
  key: Uint8Array,
  method: string,
  pathAndQuery: string,
  body: Uint8Array,
  timestamp: number,
  counter: number,
): string {
  const input = requestMacInput(method, pathAndQuery, sha256Hex(body), timestamp, counter);
  return `v1 ts=${timestamp},ctr=${counter},mac=${toBase64Url(requestMac(key, input))}`;
}
