/**
 * The checkpoints this browser has seen, kept in localStorage beside the server's own history
 * (`GET /api/v1/audit/checkpoints`): a checkpoint remembered here that the server no longer
 * lists, or lists with another root, is exactly what witnessing is meant to catch. Any two can
 * be checked with a consistency proof.
 */
import type { CheckpointInfo } from '../api/staff';

const KEY = 'pqbank.audit.checkpoints.v1';
/** Most checkpoints remembered (the oldest are dropped first). */
export const HISTORY_MAX = 50;

function isCheckpoint(value: unknown): value is CheckpointInfo {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.size === 'number' &&
    Number.isInteger(v.size) &&
    v.size >= 0 &&
    typeof v.time === 'string' &&
    typeof v.note === 'string'
  );
}

/** The remembered checkpoints, oldest first (by size, then time). */
export function loadHistory(storage: Storage = localStorage): CheckpointInfo[] {
  try {
    const raw = storage.getItem(KEY);
    if (!raw) return [];
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed.filter(isCheckpoint) : [];
  } catch {
    return [];
  }
}

/** `history` plus `seen` (the same note only once), ordered by size then time, unbounded. */
export function unionCheckpoints(
  history: readonly CheckpointInfo[],
  seen: readonly CheckpointInfo[],
): CheckpointInfo[] {
  const notes = new Set<string>();
  const all: CheckpointInfo[] = [];
  for (const cp of [...history, ...seen]) {
    if (!notes.has(cp.note)) {
      notes.add(cp.note);
      all.push({ size: cp.size, time: cp.time, note: cp.note });
    }
  }
  all.sort((a, b) => a.size - b.size || a.time.localeCompare(b.time));
  return all;
}

/** `history` plus `seen` (the same note only once), ordered, at most {@link HISTORY_MAX}. */
export function mergeCheckpoints(
  history: readonly CheckpointInfo[],
  seen: readonly CheckpointInfo[],
): CheckpointInfo[] {
  return unionCheckpoints(history, seen).slice(-HISTORY_MAX);
}

/** Stores the history (best effort). */
export function saveHistory(history: readonly CheckpointInfo[], storage: Storage = localStorage) {
  try {
    storage.setItem(KEY, JSON.stringify(history));
  } catch {
    // Storage full or disabled: the history lasts for this page only.
  }
}

/** Forgets the remembered checkpoints. */
export function clearHistory(storage: Storage = localStorage): void {
  try {
    storage.removeItem(KEY);
  } catch {
    // Nothing to clear.
  }
}
