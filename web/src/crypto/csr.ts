/**
 * PKCS#10 certificate signing requests (RFC 2986) over a composite device key, as
 * `pqbank_pki::build_csr` makes them: version 0, the requested subject (informational only: the
 * CA ignores it), the key's SubjectPublicKeyInfo, signed with the key itself under
 * the empty context and the composite OID as signature algorithm. The only attribute is an empty
 * extensionRequest, byte for byte what the Rust builder writes.
 */
import { toBase64 } from './bytes';
import {
  COMPOSITE_ALGORITHM,
  compositeSign,
  compositeSpki,
  type CompositeKeyPair,
} from './composite';
import {
  algorithmIdentifier,
  bitString,
  contextConstructed,
  integer,
  oid,
  pem,
  sequence,
  setOf,
  utf8String,
} from './der';

const ID_AT_COMMON_NAME = '2.5.4.3';
const PKCS9_EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
/** The subject the Rust client uses too. */
export const DEFAULT_CSR_COMMON_NAME = 'pqbank device';

/** `CN=<commonName>` as a DER Name (UTF8String). */
export function commonNameSubject(commonName: string): Uint8Array {
  return sequence(setOf(sequence(oid(ID_AT_COMMON_NAME), utf8String(commonName))));
}

/** The DER `CertificationRequestInfo` (what is signed). */
export function certificationRequestInfo(publicKey: Uint8Array, commonName: string): Uint8Array {
  return sequence(
    integer(0),
    commonNameSubject(commonName),
    compositeSpki(publicKey),
    // An empty extensionRequest, as the Rust builder (x509-cert `RequestBuilder`) writes it.
    contextConstructed(0, sequence(oid(PKCS9_EXTENSION_REQUEST), setOf(sequence()))),
  );
}

/**
 * Builds the DER CSR. `rnd` fixes the ML-DSA signing randomness (tests only).
 */
export function buildCsrDer(
  key: CompositeKeyPair,
  commonName: string = DEFAULT_CSR_COMMON_NAME,
  rnd?: Uint8Array,
): Uint8Array {
  const info = certificationRequestInfo(key.publicKey, commonName);
  const signature = compositeSign(key.privateKey, info, new Uint8Array(0), rnd);
  return sequence(info, algorithmIdentifier(COMPOSITE_ALGORITHM.oid), bitString(signature));
}

/** PEM `CERTIFICATE REQUEST`. */
export function csrPem(der: Uint8Array): string {
  return pem('CERTIFICATE REQUEST', der, toBase64);
}
