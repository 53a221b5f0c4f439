/**
 * Canonical signed payloads (`crates/domain/src/payload.rs`, `docs/canonical-payloads.md`): what a
 * device signs to initiate a transfer or approve one. The canonical form is the JCS text of a
 * flat object of strings with a `type` member.
 *
 * The browser builds the members from already-validated values; the server re-parses strictly
 * and refuses anything that is not byte-for-byte canonical.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex, utf8 } from './bytes';
import { canonicalStringObject } from './jcs';

export const TRANSFER_PAYLOAD_TYPE = 'pqbank.transfer.v1';
export const APPROVAL_PAYLOAD_TYPE = 'pqbank.approval.v1';
/** Signature context (composite `ctx`) of transfer payloads. */
export const TRANSFER_SIGNATURE_CONTEXT = utf8('pqbank/transfer/v1');
/** Signature context of approval payloads. */
export const APPROVAL_SIGNATURE_CONTEXT = utf8('pqbank/approval/v1');

/** A transfer as signed by its initiator (all members in their canonical text form). */
export interface TransferPayload {
  /** UUIDv7, lower case. */
  transfer_id: string;
  from_account: string;
  to_account: string;
  /** Minor units, decimal, no leading zeros. */
  amount: string;
  /** ISO 4217 code. */
  currency: string;
  reference: string;
  /** RFC 3339 UTC with seconds, `...Z`. */
  created_at: string;
  /** Lower-case hex. */
  initiator_cert_serial: string;
}

/** An approval as signed by the approver. */
export interface ApprovalPayload {
  transfer_id: string;
  /** SHA-256 (lower-case hex) of the transfer payload's canonical bytes. */
  payload_digest: string;
  decision: 'approve';
  approver_cert_serial: string;
  created_at: string;
}

/** Canonical JSON text of a transfer payload. */
export function transferCanonicalJson(p: TransferPayload): string {
  return canonicalStringObject({
    amount: p.amount,
    created_at: p.created_at,
    currency: p.currency,
    from_account: p.from_account,
    initiator_cert_serial: p.initiator_cert_serial,
    reference: p.reference,
    to_account: p.to_account,
    transfer_id: p.transfer_id,
    type: TRANSFER_PAYLOAD_TYPE,
  });
}

/** The bytes a transfer signature covers. */
export function transferCanonicalBytes(p: TransferPayload): Uint8Array {
  return utf8(transferCanonicalJson(p));
}

/** Canonical JSON text of an approval payload. */
export function approvalCanonicalJson(a: ApprovalPayload): string {
  return canonicalStringObject({
    approver_cert_serial: a.approver_cert_serial,
    created_at: a.created_at,
    decision: a.decision,
    payload_digest: a.payload_digest,
    transfer_id: a.transfer_id,
    type: APPROVAL_PAYLOAD_TYPE,
  });
}

/** The bytes an approval signature covers. */
export function approvalCanonicalBytes(a: ApprovalPayload): Uint8Array {
  return utf8(approvalCanonicalJson(a));
}

/** SHA-256 (hex) of canonical payload bytes: an approval's `payload_digest`. */
export function payloadDigest(canonicalBytes: Uint8Array): string {
  return toHex(sha256(canonicalBytes));
}

/** UTC now as the payloads spell it (`2026-11-29T09:10:00Z`, whole seconds). */
export function payloadTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
