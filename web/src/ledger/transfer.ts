/**
 * Transfers as the browser builds them: form validation, the canonical payload that is signed
 * (`crates/domain/src/payload.rs`), the signed request body, and approval payloads.
 */
import type { Account, SignedBody, Transfer, TransferChannel } from '../api/ledger';
import { approveTransfer, submitTransfer } from '../api/ledger';
import { toHex } from '../crypto/bytes';
import {
  APPROVAL_SIGNATURE_CONTEXT,
  approvalCanonicalBytes,
  approvalCanonicalJson,
  payloadTimestamp,
  TRANSFER_SIGNATURE_CONTEXT,
  transferCanonicalBytes,
  transferCanonicalJson,
  type ApprovalPayload,
  type TransferPayload,
} from '../crypto/payload';
import { decimalToMinor, parseAmountInput } from '../money';
import type { DeviceSigner } from './signing';

/** A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, version 7, variant 10, random bits. */
export function uuidv7(
  millis: number,
  random: Uint8Array = crypto.getRandomValues(new Uint8Array(10)),
): string {
  if (!Number.isSafeInteger(millis) || millis < 0 || millis >= 2 ** 48) {
    throw new RangeError('timestamp out of range for a UUIDv7');
  }
  if (random.length < 10) throw new RangeError('need 10 random bytes');
  const bytes = new Uint8Array(16);
  let t = millis;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = t % 256;
    t = Math.floor(t / 256);
  }
  bytes.set(random.subarray(0, 10), 6);
  bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = toHex(bytes);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether `s` is a UUID in canonical (lower-case) text form. */
export function isUuid(s: string): boolean {
  return UUID_RE.test(s);
}

/** Longest reference, in Unicode characters (`TransferReference::MAX_LEN`). */
export const MAX_REFERENCE_CHARS = 140;

/**
 * Characters the server refuses in free text (`is_forbidden_in_text`): controls, bidi
 * formatting, line/paragraph separators, zero-width space, BOM and noncharacters.
 */
export function isForbiddenInText(cp: number): boolean {
  return (
    cp <= 0x1f ||
    (cp >= 0x7f && cp <= 0x9f) ||
    [0x061c, 0x200b, 0x200e, 0x200f, 0x2028, 0x2029, 0xfeff].includes(cp) ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2066 && cp <= 0x2069) ||
    (cp >= 0xfdd0 && cp <= 0xfdef) ||
    (cp & 0xfffe) === 0xfffe
  );
}

/** Unicode scalar values of a string (what the server counts as characters). */
export function codePoints(s: string): string[] {
  return Array.from(s);
}

/** Checks a transfer reference; an error message, or `undefined` when it is fine. */
export function referenceError(reference: string): string | undefined {
  const chars = codePoints(reference);
  if (chars.length > MAX_REFERENCE_CHARS) {
    return `The reference can have at most ${MAX_REFERENCE_CHARS} characters.`;
  }
  if (reference !== reference.trim()) {
    return 'The reference must not start or end with a space.';
  }
  const bad = chars.findIndex((c) => isForbiddenInText(c.codePointAt(0) ?? 0));
  if (bad >= 0)
    return `The reference contains a character that is not allowed (position ${bad + 1}).`;
  return undefined;
}

/** What the transfer form holds. */
export interface TransferForm {
  fromAccount: string;
  toAccount: string;
  amount: string;
  reference: string;
}

/** Field errors of the transfer form. */
export type TransferFormErrors = Partial<Record<keyof TransferForm, string>>;

/** A validated transfer, ready to become a payload. */
export interface TransferDraft {
  fromAccount: string;
  toAccount: string;
  amountMinor: bigint;
  currency: string;
  reference: string;
}

/**
 * Validates the form against the user's accounts. Checks what the browser can know (format,
 * amount, available balance, same account); the server re-checks everything.
 */
export function validateTransferForm(
  form: TransferForm,
  accounts: readonly Account[],
): { ok: true; draft: TransferDraft } | { ok: false; errors: TransferFormErrors } {
  const errors: TransferFormErrors = {};
  const from = accounts.find((a) => a.id === form.fromAccount);
  const to = form.toAccount.trim().toLowerCase();
  if (!from) errors.fromAccount = 'Choose the account to pay from.';
  else if (from.status !== 'open') errors.fromAccount = `This account is ${from.status}.`;
  if (to === '') errors.toAccount = 'Enter the account number to pay to.';
  else if (!isUuid(to)) {
    errors.toAccount = 'An account number looks like 0192b6a4-3c5d-7e6f-8a9b-0c1d2e3f4a01.';
  } else if (to === from?.id) {
    errors.toAccount = 'Choose an account other than the one you pay from.';
  }
  let amountMinor = 0n;
  if (from) {
    const parsed = parseAmountInput(form.amount, from.currency);
    if (!parsed.ok) errors.amount = parsed.error;
    else {
      amountMinor = parsed.minor;
      const available = from.balance.available;
      if (available && amountMinor > decimalToMinor(available.amount, from.currency)) {
        errors.amount = 'The amount is more than the available balance.';
      }
    }
  } else if (form.amount.trim() === '') {
    errors.amount = 'Enter an amount.';
  }
  const refError = referenceError(form.reference);
  if (refError) errors.reference = refError;
  if (!from || Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    draft: {
      fromAccount: from.id,
      toAccount: to,
      amountMinor,
      currency: from.currency,
      reference: form.reference,
    },
  };
}

/** The payload the device signs for `draft`. */
export function buildTransferPayload(
  draft: TransferDraft,
  certSerial: string,
  now: Date,
  transferId: string = uuidv7(now.getTime()),
): TransferPayload {
  return {
    transfer_id: transferId,
    from_account: draft.fromAccount,
    to_account: draft.toAccount,
    amount: draft.amountMinor.toString(),
    currency: draft.currency,
    reference: draft.reference,
    created_at: payloadTimestamp(now),
    initiator_cert_serial: certSerial,
  };
}

/** The request body: the payload as a JSON object (with its `type`) and the signature. */
export function signedTransferBody(payload: TransferPayload, signature: string): SignedBody {
  return {
    payload: JSON.parse(transferCanonicalJson(payload)) as Record<string, string>,
    signature,
  };
}

/** Signs `payload` with the device and submits it on `channel`. */
export async function signAndSubmitTransfer(
  channel: TransferChannel,
  payload: TransferPayload,
  signer: DeviceSigner,
): Promise<Transfer> {
  const signature = await signer.sign(transferCanonicalBytes(payload), TRANSFER_SIGNATURE_CONTEXT);
  return submitTransfer(channel, signedTransferBody(payload, signature));
}

/** The approval payload for a pending transfer (its digest binds it to the signed payload). */
export function buildApprovalPayload(
  transfer: Transfer,
  certSerial: string,
  now: Date,
): ApprovalPayload {
  return {
    transfer_id: transfer.id,
    payload_digest: transfer.payload_sha256,
    decision: 'approve',
    approver_cert_serial: certSerial,
    created_at: payloadTimestamp(now),
  };
}

/** Signs an approval with the device and sends it. */
export async function signAndApprove(
  transfer: Transfer,
  payload: ApprovalPayload,
  signer: DeviceSigner,
): Promise<Transfer> {
  const signature = await signer.sign(approvalCanonicalBytes(payload), APPROVAL_SIGNATURE_CONTEXT);
  return approveTransfer(transfer.id, {
    payload: JSON.parse(approvalCanonicalJson(payload)) as Record<string, string>,
    signature,
  });
}

const PAYLOAD_KEYS = [
  'transfer_id',
  'from_account',
  'to_account',
  'amount',
  'currency',
  'reference',
  'created_at',
  'initiator_cert_serial',
] as const;

/** The signed payload of a transfer, re-canonicalised in the browser (null if malformed). */
export function canonicalOf(transfer: Transfer): string | null {
  const p = transfer.payload;
  const members: Partial<TransferPayload> = {};
  for (const k of PAYLOAD_KEYS) {
    const v = p[k];
    if (typeof v !== 'string') return null;
    members[k] = v;
  }
  return transferCanonicalJson(members as TransferPayload);
}
