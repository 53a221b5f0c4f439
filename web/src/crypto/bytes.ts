/**
 * Byte helpers shared by the protocol code: hex, base64 / base64url, UTF-8 and concatenation.
 * Everything here is total on valid input and throws a `TypeError` on malformed text.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text);
}

/** Decodes UTF-8 (throws on invalid sequences). */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Lower-case hex. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** Parses hex (either case, even length). */
export function fromHex(hex: string): Uint8Array<ArrayBuffer> {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new TypeError('invalid hex');
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function encode64(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  const at = (i: number) => bytes[i] ?? 0;
  const ch = (n: number) => alphabet.charAt(n & 63);
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const rest = bytes.length - i;
    const n = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
    out += ch(n >> 18) + ch(n >> 12);
    out += rest > 1 ? ch(n >> 6) : pad ? '=' : '';
    out += rest > 2 ? ch(n) : pad ? '=' : '';
  }
  return out;
}

function decode64(text: string, alphabet: string): Uint8Array<ArrayBuffer> {
  const clean = text.replace(/=+$/, '');
  if (clean.length % 4 === 1) throw new TypeError('invalid base64 length');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (const ch of clean) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new TypeError('invalid base64 character');
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  // Non-zero padding bits would make two texts decode to the same bytes: refuse them.
  if ((acc & ((1 << bits) - 1)) !== 0) throw new TypeError('non-canonical base64');
  return out;
}

/** Standard base64 with padding (PEM bodies). */
export function toBase64(bytes: Uint8Array): string {
  return encode64(bytes, B64, true);
}

/** Parses standard base64 (padding optional). */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  return decode64(text, B64);
}

/** base64url without padding (what the pqbank API uses for keys, signatures and MACs). */
export function toBase64Url(bytes: Uint8Array): string {
  return encode64(bytes, B64URL, false);
}

/** Parses base64url (padding tolerated). */
export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  return decode64(text, B64URL);
}

/** Concatenation. */
export function concat(...parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Byte equality (not constant time: for public data and tests). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Overwrites secret bytes. */
export function wipe(bytes: Uint8Array): void {
  bytes.fill(0);
}
