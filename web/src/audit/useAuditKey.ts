import { useQuery, type QueryClient } from '@tanstack/react-query';
import { AUDIT_KEY_QUERY, auditKey } from '../api/audit';
import type { CheckpointInfo } from '../api/staff';
import {
  verifyCheckpointSignature,
  type AuditKey,
  type SignatureCheck,
} from './checkpointSignature';

const CACHE_MAX = 2000;
const cache = new WeakMap<AuditKey, Map<string, SignatureCheck>>();

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
  // The same note under the same key object is verified once (a history of many checkpoints
  // re-renders often; ML-DSA verification is not free).
  let perKey = cache.get(key);
  if (!perKey) {
    perKey = new Map();
    cache.set(key, perKey);
  }
  let check = perKey.get(cp.note);
  if (!check) {
    check = verifyCheckpointSignature(cp.note, key);
    if (perKey.size >= CACHE_MAX) perKey.clear();
    perKey.set(cp.note, check);
  }
  if (check.ok && check.checkpoint?.size !== BigInt(cp.size)) {
    return {
      ...check,
      ok: false,
      reason: `The signed note is for ${String(check.checkpoint?.size)} entries, not ${String(cp.size)}.`,
    };
  }
  return check;
}
