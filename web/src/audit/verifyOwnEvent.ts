/**
 * Verifies, in the browser, that one of the user's own audit events is in the signed log:
 * the latest checkpoint's signature by the published audit key, then the event's RFC 9162
 * inclusion proof against that checkpoint's root, from a leaf hash recomputed from the event
 * text itself.
 */
import { myInclusionProof } from '../api/audit';
import type { AuditEntry, CheckpointInfo } from '../api/staff';
import type { AuditKey } from './checkpointSignature';
import { checkInclusion } from './merkle';
import { checkCheckpoint } from './useAuditKey';

/** Outcome of {@link verifyOwnEvent}. */
export interface OwnEventCheck {
  /** `verified`; `pending` (not yet in a signed checkpoint); `failed`. */
  state: 'verified' | 'pending' | 'failed';
  /** One sentence for the user. */
  message: string;
  /** The signature line (verified or why not), when the checkpoint was checked. */
  signature: string | null;
  /** The checkpoint used. */
  checkpointSize: number;
}

export async function verifyOwnEvent(
  entry: AuditEntry,
  key: AuditKey,
  checkpoint: CheckpointInfo,
  signal?: AbortSignal,
): Promise<OwnEventCheck> {
  const base = { checkpointSize: checkpoint.size };
  const signature = checkCheckpoint(checkpoint, key);
  if (!signature.ok || !signature.checkpoint) {
    return {
      ...base,
      state: 'failed',
      message: 'Not verified: the latest checkpoint’s signature does not verify.',
      signature: signature.reason,
    };
  }
  if (entry.index >= checkpoint.size) {
    return {
      ...base,
      state: 'pending',
      message: `Not yet in a signed checkpoint: the latest one covers ${String(checkpoint.size)} log entries and this is entry #${String(entry.index)}. Try again later.`,
      signature: signature.reason,
    };
  }
  const proof = await myInclusionProof(entry.index, checkpoint.size, signal);
  if (proof.index !== entry.index || proof.tree_size !== checkpoint.size) {
    return {
      ...base,
      state: 'failed',
      message: 'Not verified: the server answered with a proof for another entry or tree.',
      signature: signature.reason,
    };
  }
  const check = checkInclusion(
    entry.leaf,
    proof.leaf_hash,
    BigInt(entry.index),
    proof.hashes,
    signature.checkpoint,
  );
  return check.ok
    ? {
        ...base,
        state: 'verified',
        message: `Verified: this event is entry #${String(entry.index)} of the signed audit log of ${String(checkpoint.size)} entries.`,
        signature: signature.reason,
      }
    : {
        ...base,
        state: 'failed',
        message: `Not verified: ${check.reason}`,
        signature: signature.reason,
      };
}
