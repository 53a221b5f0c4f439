/** Server health and API description endpoints, used by the System status page. */
import { apiGet, decode, isProblemError, ProblemError, type Decoder } from './client';

/** Outcome of one check. */
export type CheckState = 'ok' | 'degraded' | 'down';

/** A `/healthz` or `/readyz` answer: `{ "status": "ok", ...details }`. */
export interface HealthReport {
  status: string;
  /** Other scalar members (e.g. `database`, `checked_at`), in server order. */
  details: readonly (readonly [string, string])[];
}

const OK_STATUSES = new Set(['ok', 'pass', 'up', 'healthy', 'ready']);
const MAX_DETAILS = 12;

/** Decodes a health document. */
export const decodeHealth: Decoder<HealthReport> = (json) => {
  const record = decode.object(json, 'health report');
  const status = decode.string(record, 'status');
  const details: [string, string][] = [];
  for (const [key, value] of Object.entries(record)) {
    if (key === 'status' || details.length >= MAX_DETAILS) continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      details.push([key, String(value)]);
    }
  }
  return { status, details };
};

/** Whether a reported status string means healthy. */
export function healthState(report: HealthReport): 'ok' | 'degraded' {
  return OK_STATUSES.has(report.status.toLowerCase()) ? 'ok' : 'degraded';
}

/** What the app shows about the API, from `/api/v1/openapi.json`. */
export interface ApiDescription {
  title: string;
  version: string;
  openapi: string;
  pathCount: number;
}

/** Decodes the parts of an OpenAPI document the status page shows. */
export const decodeOpenApi: Decoder<ApiDescription> = (json) => {
  const record = decode.object(json, 'OpenAPI document');
  const info = decode.object(record.info, 'info');
  const paths = decode.object(record.paths ?? {}, 'paths');
  return {
    title: decode.string(info, 'title'),
    version: decode.string(info, 'version'),
    openapi: decode.optionalString(record, 'openapi') ?? 'unknown',
    pathCount: Object.keys(paths).length,
  };
};

/** Endpoint paths. */
export const SYSTEM_ENDPOINTS = {
  health: '/healthz',
  ready: '/readyz',
  openapi: '/api/v1/openapi.json',
} as const;

/** Fetches the API description. */
export function fetchApiDescription(signal?: AbortSignal): Promise<ApiDescription> {
  return apiGet(SYSTEM_ENDPOINTS.openapi, decodeOpenApi, signal ? { signal } : {});
}

/** One timed health check; never throws except when aborted. */
export type ProbeResult =
  | { state: 'ok' | 'degraded'; report: HealthReport; latencyMs: number }
  | { state: 'down'; error: ProblemError; latencyMs: number };

/** Runs one health check and measures its round-trip time. */
export async function probe(
  path: string,
  signal?: AbortSignal,
  now: () => number = () => performance.now(),
): Promise<ProbeResult> {
  const started = now();
  try {
    const report = await apiGet(path, decodeHealth, signal ? { signal } : {});
    return { state: healthState(report), report, latencyMs: now() - started };
  } catch (error) {
    if (!isProblemError(error)) throw error;
    return { state: 'down', error, latencyMs: now() - started };
  }
}

/** One point of the response-time history; `null` when the check failed. */
export interface LatencySample {
  at: number;
  health: number | null;
  ready: number | null;
}

/** Both health checks at one moment, with the history of earlier ones. */
export interface SystemProbe {
  checkedAt: number;
  health: ProbeResult;
  ready: ProbeResult;
  history: readonly LatencySample[];
}

/** How many samples the history keeps. */
export const HISTORY_LENGTH = 30;

/** Runs both checks concurrently and appends them to `previous`'s history. */
export async function probeSystem(
  previous: SystemProbe | undefined,
  signal?: AbortSignal,
  clock: () => number = () => Date.now(),
): Promise<SystemProbe> {
  const [health, ready] = await Promise.all([
    probe(SYSTEM_ENDPOINTS.health, signal),
    probe(SYSTEM_ENDPOINTS.ready, signal),
  ]);
  const checkedAt = clock();
  const sample: LatencySample = {
    at: checkedAt,
    health: health.state === 'down' ? null : health.latencyMs,
    ready: ready.state === 'down' ? null : ready.latencyMs,
  };
  const history = [...(previous?.history ?? []), sample].slice(-HISTORY_LENGTH);
  return { checkedAt, health, ready, history };
}

/** The overall state: down if liveness fails, degraded if anything else is off. */
export function overallState(probeResult: SystemProbe, apiError: boolean): CheckState {
  if (probeResult.health.state === 'down') return 'down';
  if (probeResult.health.state === 'ok' && probeResult.ready.state === 'ok' && !apiError) {
    return 'ok';
  }
  return 'degraded';
}
