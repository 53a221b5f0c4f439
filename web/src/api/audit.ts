/**
 * Audit endpoints open to every signed-in user (and the public audit key): the checkpoint
 * signing key, checkpoint history, and one's own audit events with their inclusion proofs.
 */
import { decodeAuditKey, type AuditKey } from '../audit/checkpointSignature';
import { apiGet, decode, type Decoder } from './client';
import {
  decodeCheckpoint,
  decodeEntry,
  decodeInclusion,
  type AuditEntry,
  type CheckpointInfo,
  type InclusionProof,
} from './staff';

const opts = (signal?: AbortSignal) => (signal ? { signal } : {});

function listOf<T>(item: Decoder<T>, what: string): Decoder<T[]> {
  return (json) => {
    if (!Array.isArray(json)) throw new TypeError(`${what} is not a list`);
    return json.map(item);
  };
}

/** Query key of the audit key (fetched once per page load). */
export const AUDIT_KEY_QUERY = ['audit', 'key'] as const;

/** `GET /api/v1/audit/key` (public), decoded and length-checked. */
export function auditKey(signal?: AbortSignal): Promise<AuditKey> {
  return apiGet(
    '/api/v1/audit/key',
    (json) => {
      const o = decode.object(json, 'audit key');
      return decodeAuditKey({
        origin: decode.string(o, 'origin'),
        key_id: decode.string(o, 'key_id'),
        algorithm: decode.string(o, 'algorithm'),
        public_key: decode.string(o, 'public_key'),
        certificate_pem: decode.string(o, 'certificate_pem'),
      });
    },
    opts(signal),
  );
}

/** Largest page of {@link checkpointHistory}. */
export const CHECKPOINT_PAGE_MAX = 200;

/** Checkpoints of a tree larger than `afterSize` (all when null), by increasing size. */
export function checkpointHistory(
  afterSize: number | null,
  limit = CHECKPOINT_PAGE_MAX,
  signal?: AbortSignal,
): Promise<CheckpointInfo[]> {
  const after = afterSize === null ? '' : `after_size=${String(afterSize)}&`;
  return apiGet(
    `/api/v1/audit/checkpoints?${after}limit=${String(limit)}`,
    listOf(decodeCheckpoint, 'checkpoints'),
    opts(signal),
  );
}

/** Largest page of {@link myAuditEvents}. */
export const MY_AUDIT_PAGE_MAX = 200;

/** The caller's own audit events with index above `after` (all when null), oldest first. */
export function myAuditEvents(
  after: number | null,
  limit = 50,
  signal?: AbortSignal,
): Promise<AuditEntry[]> {
  const from = after === null ? '' : `after=${String(after)}&`;
  return apiGet(
    `/api/v1/me/audit?${from}limit=${String(limit)}`,
    listOf(decodeEntry, 'audit events'),
    opts(signal),
  );
}

/** Inclusion proof of one of the caller's own events in the tree of `treeSize` entries. */
export function myInclusionProof(
  index: number,
  treeSize: number,
  signal?: AbortSignal,
): Promise<InclusionProof> {
  return apiGet(
    `/api/v1/me/audit/proof?index=${String(index)}&tree_size=${String(treeSize)}`,
    decodeInclusion,
    opts(signal),
  );
}
