/// <reference types="node" />
/**
 * Outputs of the TypeScript port for the Rust side to check
 * (`crates/client/tests/web_vectors.rs`, `typescript_outputs_verify_in_rust`): a fresh composite
 * key, randomized signatures, a CSR, a signed login with its session key and MAC, a signed
 * transfer and approval. `PQBANK_WRITE_WEB_VECTORS=1 npm test` rewrites
 * `src/test/fixtures/ts-produced.json`; otherwise the committed file is checked here too.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fromBase64Url, fromHex, toBase64Url, toHex, utf8 } from './bytes';
import { compositeSign, compositeSpki, compositeVerify, generateCompositeKey } from './composite';
import { buildCsrDer, csrPem } from './csr';
import {
  APPROVAL_SIGNATURE_CONTEXT,
  TRANSFER_SIGNATURE_CONTEXT,
  approvalCanonicalBytes,
  approvalCanonicalJson,
  payloadDigest,
  transferCanonicalBytes,
  transferCanonicalJson,
  type TransferPayload,
} from './payload';
import { deriveSessionKey, macHeader } from './session';
import {
  LOGIN_SIGNATURE_CONTEXT,
  transcriptCanonicalBytes,
  transcriptCanonicalJson,
  type LoginTranscript,
} from './transcript';
import { xwingEncapsulate, xwingGenerate } from './xwing';

const PATH = resolve(import.meta.dirname, '../test/fixtures/ts-produced.json');

function produce() {
  const key = generateCompositeKey();
  const signatures = [
    { message: utf8(''), context: new Uint8Array(0) },
    { message: utf8('browser says hello'), context: utf8('pqbank/test/v1') },
    { message: Uint8Array.of(0, 255, 128), context: new Uint8Array(255).fill(7) },
  ].map(({ message, context }) => ({
    message_hex: toHex(message),
    context_hex: toHex(context),
    signature_hex: toHex(compositeSign(key.privateKey, message, context)),
  }));

  const eph = xwingGenerate();
  const transcript: LoginTranscript = {
    nonce: toHex(crypto.getRandomValues(new Uint8Array(32))),
    username: 'web.customer',
    device_cert_serial: '7a11ce5e7a11ce5e7a11ce5e7a11ce5e',
    client_kem_public_key: toBase64Url(eph.publicKey),
    origin: 'https://localhost:8443',
  };
  const canonical = transcriptCanonicalBytes(transcript);
  const signature = compositeSign(key.privateKey, canonical, LOGIN_SIGNATURE_CONTEXT);
  // The server's side of the login: encapsulate to the ephemeral key.
  const eseed = crypto.getRandomValues(new Uint8Array(64));
  const { ciphertext, sharedSecret } = xwingEncapsulate(eph.publicKey, eseed);
  const sessionKey = deriveSessionKey(sharedSecret, canonical);
  const mac = {
    method: 'POST',
    path_and_query: '/api/v1/auth/logout?from=web',
    body: '{"reason":"done"}',
    timestamp: 1_795_000_100,
    counter: 3,
  };

  const transfer: TransferPayload = {
    transfer_id: '01936f0e-8c2a-7b3d-9e4f-0123456789ff',
    from_account: '0192b6a4-3c5d-7e6f-8a9b-0c1d2e3f4a5b',
    to_account: '0192b6a4-3c5d-7e6f-9a9b-0c1d2e3f4a5c',
    amount: '4200',
    currency: 'EUR',
    reference: 'Café ☕ "web"',
    created_at: '2026-11-29T09:10:00Z',
    initiator_cert_serial: '7a11ce5e7a11ce5e7a11ce5e7a11ce5e',
  };
  const transferBytes = transferCanonicalBytes(transfer);
  const approval = {
    transfer_id: transfer.transfer_id,
    payload_digest: payloadDigest(transferBytes),
    decision: 'approve' as const,
    approver_cert_serial: '00c0ffee00c0ffee00',
    created_at: '2026-11-29T10:00:00Z',
  };

  return {
    about:
      'Written by web/src/crypto/tsProduced.test.ts (PQBANK_WRITE_WEB_VECTORS=1 npm test); checked by crates/client/tests/web_vectors.rs. Do not edit.',
    public_key_hex: toHex(key.publicKey),
    spki_der_hex: toHex(compositeSpki(key.publicKey)),
    signatures,
    csr_pem: csrPem(buildCsrDer(key)),
    login: {
      transcript,
      canonical: transcriptCanonicalJson(transcript),
      signature_b64url: toBase64Url(signature),
      eseed_hex: toHex(eseed),
      kem_ciphertext_b64url: toBase64Url(ciphertext),
      session_key_hex: toHex(sessionKey),
      mac: {
        ...mac,
        header: macHeader(
          sessionKey,
          mac.method,
          mac.path_and_query,
          utf8(mac.body),
          mac.timestamp,
          mac.counter,
        ),
      },
    },
    transfer: {
      canonical: transferCanonicalJson(transfer),
      signature_b64url: toBase64Url(
        compositeSign(key.privateKey, transferBytes, TRANSFER_SIGNATURE_CONTEXT),
      ),
    },
    approval: {
      canonical: approvalCanonicalJson(approval),
      signature_b64url: toBase64Url(
        compositeSign(key.privateKey, approvalCanonicalBytes(approval), APPROVAL_SIGNATURE_CONTEXT),
      ),
    },
  };
}

type Produced = ReturnType<typeof produce>;

describe('TypeScript-produced fixture', () => {
  if (process.env.PQBANK_WRITE_WEB_VECTORS === '1') {
    it('writes ts-produced.json', () => {
      writeFileSync(PATH, `${JSON.stringify(produce(), null, 2)}\n`);
    });
  }

  it('is present and self-consistent', () => {
    expect(existsSync(PATH)).toBe(true);
    const p = JSON.parse(readFileSync(PATH, 'utf8')) as Produced;
    const pk = fromHex(p.public_key_hex);
    for (const s of p.signatures) {
      expect(
        compositeVerify(
          pk,
          fromHex(s.message_hex),
          fromHex(s.context_hex),
          fromHex(s.signature_hex),
        ),
      ).toBe(true);
    }
    expect(
      compositeVerify(
        pk,
        utf8(p.login.canonical),
        LOGIN_SIGNATURE_CONTEXT,
        fromBase64Url(p.login.signature_b64url),
      ),
    ).toBe(true);
    expect(transcriptCanonicalJson(p.login.transcript)).toBe(p.login.canonical);
    expect(p.csr_pem).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----\n/);
  });
});
