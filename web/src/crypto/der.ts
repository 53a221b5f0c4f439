/**
 * A minimal DER encoder: just the types pqbank's CSRs and key encodings need (SEQUENCE, SET,
 * INTEGER, OBJECT IDENTIFIER, BIT STRING, OCTET STRING, UTF8String, NULL, context tags).
 * Encoding only; the browser never parses certificates here.
 */
import { concat, utf8 } from './bytes';

/** Universal and context tags used below. */
export const TAG = {
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  sequence: 0x30,
  set: 0x31,
} as const;

function encodeLength(len: number): Uint8Array {
  if (len < 0x80) return Uint8Array.of(len);
  const bytes: number[] = [];
  for (let n = len; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** One TLV. */
export function tlv(tag: number, content: Uint8Array): Uint8Array<ArrayBuffer> {
  return concat(Uint8Array.of(tag), encodeLength(content.length), content);
}

/** SEQUENCE of already-encoded elements. */
export function sequence(...elements: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  return tlv(TAG.sequence, concat(...elements));
}

/** SET OF already-encoded elements, sorted as DER requires. */
export function setOf(...elements: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const sorted = [...elements].sort(compareBytes);
  return tlv(TAG.set, concat(...sorted));
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** INTEGER from a non-negative safe integer. */
export function integer(value: number): Uint8Array<ArrayBuffer> {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError('integer out of range');
  const bytes: number[] = [];
  let n = value;
  do {
    bytes.unshift(n & 0xff);
    n = Math.floor(n / 256);
  } while (n > 0);
  if ((bytes[0] ?? 0) & 0x80) bytes.unshift(0);
  return tlv(TAG.integer, Uint8Array.from(bytes));
}

/** OBJECT IDENTIFIER from dotted text. */
export function oid(dotted: string): Uint8Array<ArrayBuffer> {
  const arcs = dotted.split('.').map((s) => {
    if (!/^(0|[1-9][0-9]*)$/.test(s)) throw new TypeError(`invalid OID ${dotted}`);
    return BigInt(s);
  });
  const [first, second, ...rest] = arcs;
  if (first === undefined || second === undefined || first > 2n || (first < 2n && second > 39n)) {
    throw new TypeError(`invalid OID ${dotted}`);
  }
  const out: number[] = [];
  for (const arc of [first * 40n + second, ...rest]) {
    // Base-128, most significant group first, continuation bit on all but the last.
    const chunk: number[] = [Number(arc & 0x7fn)];
    for (let n = arc >> 7n; n > 0n; n >>= 7n) chunk.unshift(Number(n & 0x7fn) | 0x80);
    out.push(...chunk);
  }
  return tlv(TAG.oid, Uint8Array.from(out));
}

/** BIT STRING of whole bytes (no unused bits). */
export function bitString(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return tlv(TAG.bitString, concat(Uint8Array.of(0), bytes));
}

/** OCTET STRING. */
export function octetString(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return tlv(TAG.octetString, bytes);
}

/** UTF8String. */
export function utf8String(text: string): Uint8Array<ArrayBuffer> {
  return tlv(TAG.utf8String, utf8(text));
}

/** `[n]` constructed, context-specific (IMPLICIT when wrapping a SET's contents). */
export function contextConstructed(n: number, content: Uint8Array): Uint8Array<ArrayBuffer> {
  if (n < 0 || n > 30) throw new RangeError('context tag out of range');
  return tlv(0xa0 | n, content);
}

/** `AlgorithmIdentifier` with absent parameters (composites, ML-DSA, Ed25519). */
export function algorithmIdentifier(dottedOid: string): Uint8Array<ArrayBuffer> {
  return sequence(oid(dottedOid));
}

/** PEM armour (64-character lines, LF). */
export function pem(label: string, der: Uint8Array, base64: (b: Uint8Array) => string): string {
  const body = base64(der).replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}
