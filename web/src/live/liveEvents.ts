/**
 * Live updates: one EventSource on `/api/v1/events/stream` (authenticated by the
 * `__Host-pqbank_session` cookie the login sets), reconnecting with backoff; after repeated
 * failures to connect it falls back to polling (refetching the live queries periodically).
 */
import type { QueryClient } from '@tanstack/react-query';
import { SECURITY_KEYS } from '../api/security';
import { SECURITY_EVENTS_KEY } from '../api/staff';
import { ruleLabel } from '../audit/rules';

export const STREAM_PATH = '/api/v1/events/stream';
/**
 * `alert`: a security alert (auditors, admins); `security_notice`: an alert about the signed-in
 * customer themself; the others: ledger changes.
 */
export const LIVE_KINDS = ['alert', 'security_notice', 'approval_queue', 'transfer'] as const;
export type LiveKind = (typeof LIVE_KINDS)[number];

/** One update (the SSE `data`). */
export interface LiveEvent {
  index: number;
  kind: LiveKind;
  action: string;
  resource_id: string;
  status: string | null;
}

/** Parses an SSE `data` field; `null` for anything unexpected. */
export function parseLiveEvent(kind: string, data: string): LiveEvent | null {
  if (!(LIVE_KINDS as readonly string[]).includes(kind)) return null;
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof json !== 'object' || json === null) return null;
  const o = json as Record<string, unknown>;
  if (typeof o.index !== 'number' || typeof o.action !== 'string') return null;
  if (typeof o.resource_id !== 'string') return null;
  return {
    index: o.index,
    kind: kind as LiveKind,
    action: o.action,
    resource_id: o.resource_id,
    status: typeof o.status === 'string' ? o.status : null,
  };
}

/** The queries an update makes stale. */
export function staleKeys(event: LiveEvent): (readonly unknown[])[] {
  switch (event.kind) {
    case 'alert':
      return [SECURITY_EVENTS_KEY];
    case 'security_notice':
      // A revoked device or an ended session shows on the customer's security pages.
      return [SECURITY_KEYS.devices, SECURITY_KEYS.sessions];
    case 'approval_queue':
      return [['approvals'], ['transfer', event.resource_id], ['report']];
    case 'transfer':
      return [['transfer', event.resource_id], ['transfers'], ['accounts'], ['transactions']];
  }
}

/** The rule of an alert (its `resource_id` names it), or its action for older servers. */
function alertSubject(event: LiveEvent): string {
  return /^[a-z]+\.[a-z_.]+$/.test(event.resource_id) ? ruleLabel(event.resource_id) : event.action;
}

/** A short text for a toast. */
export function toastText(event: LiveEvent): string {
  switch (event.kind) {
    case 'alert':
      return `Security alert: ${alertSubject(event)}${event.status ? ` (${event.status})` : ''}`;
    case 'security_notice':
      return `Security notice: ${ruleLabel(event.resource_id)}`;
    case 'approval_queue':
      return `Approval queue: ${event.action}`;
    case 'transfer':
      return `Transfer ${event.resource_id.slice(0, 8)}…${event.status ? ` is ${event.status.replace('_', ' ')}` : ' updated'}`;
  }
}

/** Connection state shown in the header. */
export type LiveState = 'connecting' | 'live' | 'polling' | 'off';

export interface LiveOptions {
  queryClient: QueryClient;
  onEvent: (event: LiveEvent) => void;
  onState: (state: LiveState) => void;
  /** For tests. */
  createSource?: (url: string) => EventSource;
  /** Failed connection attempts in a row before falling back to polling (default 5). */
  maxFailures?: number;
  pollMs?: number;
}

/** Starts live updates; returns the function that stops them. */
export function startLiveUpdates(options: LiveOptions): () => void {
  const { queryClient, onEvent, onState } = options;
  const create =
    options.createSource ??
    (typeof EventSource === 'undefined' ? null : (url: string) => new EventSource(url));
  const maxFailures = options.maxFailures ?? 5;
  const pollMs = options.pollMs ?? 10_000;
  let stopped = false;
  let source: EventSource | null = null;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let poll: ReturnType<typeof setInterval> | null = null;

  const startPolling = () => {
    onState('polling');
    poll = setInterval(() => {
      void queryClient.invalidateQueries({ queryKey: SECURITY_EVENTS_KEY });
      void queryClient.invalidateQueries({ queryKey: ['approvals'] });
      void queryClient.invalidateQueries({ queryKey: ['transfers'] });
    }, pollMs);
  };

  const connect = () => {
    if (stopped || !create) return;
    onState('connecting');
    const es = create(STREAM_PATH);
    source = es;
    es.onopen = () => {
      failures = 0;
      onState('live');
    };
    for (const kind of LIVE_KINDS) {
      es.addEventListener(kind, (message: MessageEvent<string>) => {
        const event = parseLiveEvent(kind, message.data);
        if (!event) return;
        for (const queryKey of staleKeys(event)) void queryClient.invalidateQueries({ queryKey });
        onEvent(event);
      });
    }
    es.onerror = () => {
      // The browser retries by itself while the stream is CONNECTING (with Last-Event-ID);
      // a CLOSED stream (refused, e.g. 401/403) is retried here with backoff.
      if (es.readyState !== EventSource.CLOSED) {
        onState('connecting');
        return;
      }
      es.close();
      failures += 1;
      if (failures >= maxFailures) {
        startPolling();
        return;
      }
      timer = setTimeout(connect, Math.min(30_000, 1000 * 2 ** failures));
    };
  };

  if (create) connect();
  else startPolling();

  return () => {
    stopped = true;
    source?.close();
    if (timer) clearTimeout(timer);
    if (poll) clearInterval(poll);
    onState('off');
  };
}
