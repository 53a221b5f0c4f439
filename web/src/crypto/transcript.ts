/** The login transcript a device signs (`LoginTranscript` in `crates/domain/src/auth.rs`). */
import { utf8 } from './bytes';
import { canonicalStringObject } from './jcs';

/** The `purpose` member. */
export const LOGIN_PURPOSE = 'pqbank-login-v1';
/** Signature context of login signatures. */
export const LOGIN_SIGNATURE_CONTEXT = utf8('pqbank/login/v1');

/** The transcript members the client sends (without `purpose`). */
export interface LoginTranscript {
  /** The server's nonce (hex). */
  nonce: string;
  username: string;
  /** Serial (hex) of the device's signature certificate. */
  device_cert_serial: string;
  /** The ephemeral X-Wing public key, base64url without padding. */
  client_kem_public_key: string;
  /** The origin the client talks to (`https://host:port`). */
  origin: string;
}

/** RFC 8785 canonical JSON of the transcript, `purpose` included (what is signed). */
export function transcriptCanonicalJson(t: LoginTranscript): string {
  return canonicalStringObject({
    client_kem_public_key: t.client_kem_public_key,
    device_cert_serial: t.device_cert_serial,
    nonce: t.nonce,
    origin: t.origin,
    purpose: LOGIN_PURPOSE,
    username: t.username,
  });
}

/** UTF-8 of {@link transcriptCanonicalJson}. */
export function transcriptCanonicalBytes(t: LoginTranscript): Uint8Array {
  return utf8(transcriptCanonicalJson(t));
}
