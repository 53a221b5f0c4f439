/**
 * Bulk payments (a payroll run, say): a list of `to_account,amount,reference` lines, checked in
 * the browser, each signed by the device as its own transfer and sent 100 at a time to
 * `POST /api/v1/transfer-batches`. The server books every line as if it were sent alone.
 */
import { submitTransferBatch, type Account } from '../api/ledger';
import { TRANSFER_SIGNATURE_CONTEXT, transferCanonicalBytes } from '../crypto/payload';
import { decimalToMinor, parseAmountInput } from '../money';
import type { DeviceSigner } from './signing';
import { buildTransferPayload, isUuid, referenceError, signedTransferBody } from './transfer';

/** Most lines of one bulk payment in the browser (each takes a signature here). */
export const MAX_BULK_LINES = 1000;
/** Transfers per request (the server's limit). */
export const BATCH_SIZE = 100;

/** One checked line. */
export interface BulkLine {
  /** Line number in the text (1-based). */
  line: number;
  toAccount: string;
  amountMinor: bigint;
  reference: string;
}

/** The checked lines and their total, or the first problem found. */
export type BulkCheck =
  { ok: true; lines: BulkLine[]; totalMinor: bigint } | { ok: false; error: string };

/**
 * Checks bulk payment text against the account it is paid from: one `to_account,amount,reference`
 * per line (the reference is the rest of the line); a header line `to,amount,reference`, empty
 * lines and lines starting with `#` are skipped. The server re-checks every transfer.
 */
export function checkBulk(text: string, from: Account): BulkCheck {
  const lines: BulkLine[] = [];
  let totalMinor = 0n;
  const rows = text.split(/\r?\n/);
  for (const [i, raw] of rows.entries()) {
    const line = i + 1;
    const trimmed = raw.trim();
    if (
      trimmed === '' ||
      trimmed.startsWith('#') ||
      (lines.length === 0 && trimmed.toLowerCase() === 'to,amount,reference')
    ) {
      continue;
    }
    if (lines.length === MAX_BULK_LINES) {
      return { ok: false, error: `A bulk payment here has at most ${MAX_BULK_LINES} lines.` };
    }
    const first = trimmed.indexOf(',');
    const second = first < 0 ? -1 : trimmed.indexOf(',', first + 1);
    if (first < 0) {
      return { ok: false, error: `Line ${line}: expected account,amount,reference.` };
    }
    const to = trimmed.slice(0, first).trim().toLowerCase();
    const amount = (
      second < 0 ? trimmed.slice(first + 1) : trimmed.slice(first + 1, second)
    ).trim();
    const reference = second < 0 ? '' : trimmed.slice(second + 1).trim();
    if (!isUuid(to)) return { ok: false, error: `Line ${line}: not an account number.` };
    if (to === from.id) {
      return { ok: false, error: `Line ${line}: pays the account it is paid from.` };
    }
    const parsed = parseAmountInput(amount, from.currency);
    if (!parsed.ok) return { ok: false, error: `Line ${line}: ${parsed.error}` };
    const refError = referenceError(reference);
    if (refError) return { ok: false, error: `Line ${line}: ${refError}` };
    totalMinor += parsed.minor;
    lines.push({ line, toAccount: to, amountMinor: parsed.minor, reference });
  }
  if (lines.length === 0) return { ok: false, error: 'There are no transfers in the list.' };
  const available = from.balance.available;
  if (available && totalMinor > decimalToMinor(available.amount, from.currency)) {
    return { ok: false, error: 'The total is more than the available balance.' };
  }
  return { ok: true, lines, totalMinor };
}

/** What became of one line. */
export interface BulkOutcome extends BulkLine {
  /** 201 booked, 200 booked before, otherwise the refusal's HTTP status. */
  status: number;
  transferId: string | null;
  /** `posted` or `pending_approval` when booked. */
  transferStatus: string | null;
  /** The refusal's code (`insufficient_funds`, ...). */
  code: string | null;
  detail: string | null;
}

/**
 * Signs every line with the device (one transfer each) and sends them in batches of
 * {@link BATCH_SIZE}; `onProgress` hears how many lines are done. One outcome per line.
 */
export async function signAndSubmitBulk(
  from: Account,
  lines: readonly BulkLine[],
  signer: DeviceSigner,
  onProgress?: (done: number) => void,
): Promise<BulkOutcome[]> {
  const outcomes: BulkOutcome[] = [];
  for (let start = 0; start < lines.length; start += BATCH_SIZE) {
    const chunk = lines.slice(start, start + BATCH_SIZE);
    const bodies = [];
    for (const l of chunk) {
      const payload = buildTransferPayload(
        {
          fromAccount: from.id,
          toAccount: l.toAccount,
          amountMinor: l.amountMinor,
          currency: from.currency,
          reference: l.reference,
        },
        signer.certSerial,
        signer.now(),
      );
      const signature = await signer.sign(
        transferCanonicalBytes(payload),
        TRANSFER_SIGNATURE_CONTEXT,
      );
      bodies.push(signedTransferBody(payload, signature));
    }
    const batch = await submitTransferBatch(bodies);
    if (batch.results.length !== chunk.length) {
      throw new Error('The bank answered a different number of results.');
    }
    chunk.forEach((l, i) => {
      const r = batch.results[i];
      outcomes.push({
        ...l,
        status: r?.status ?? 0,
        transferId: r?.transfer?.id ?? null,
        transferStatus: r?.transfer?.status ?? null,
        code: r?.problem?.code ?? null,
        detail: r?.problem?.detail ?? null,
      });
    });
    onProgress?.(outcomes.length);
  }
  return outcomes;
}
