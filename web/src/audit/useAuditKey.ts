import { useQuery, type QueryClient } from '@tanstack/react-query';
import { AUDIT_KEY_QUERY, auditKey } from '../api/audit';
import type { CheckpointInfo } from '../api/staff';
import {
  verifyCheckpointSignature,
  type AuditKey,
  type SignatureCheck,
} from './checkpointSignature';

const keyQuery = {
  queryKey: AUDIT_KEY_QUERY,
  queryFn: ({ signal }: { signal: AbortSignal }) => auditKey(signal),
  // Fetched once per page load: checkpoints are all checked against the same key.
  staleTime: Infinity,
} as const;

/** The published audit key (`GET /api/v1/audit/key`), fetched once. */
export function useAuditKey() {
  return useQuery(keyQuery);
}

/** The audit key from the cache, or fetched once (for mutations and query functions). */
export function fetchAuditKey(queryClient: QueryClient): Promise<AuditKey> {
  return queryClient.query(keyQuery);
}

/**
 * The checkpoint's signature check, with the note's size compared with the size the server
 * sent beside it (a verified note of another size is not this checkpoint).
 */
export function checkCheckpoint(cp: CheckpointInfo, key: AuditKey): SignatureCheck {
  const check = verifyCheckpointSignature(cp.note, key);
  if (check.ok && check.checkpoint?.size !== BigInt(cp.size)) {
    return {
      ...check,
      ok: false,
      reason: `The signed note is for ${String(check.checkpoint?.size)} entries, not ${String(cp.size)}.`,
    };
  }
  return check;
}
