/**
 * The auditor and admin APIs: audit log and proofs (`routes/audit.rs`), security events
 * (`routes/auth.rs`), users and roles, certificates (`routes/certs.rs`), the CA (`routes/pki.rs`)
 * and the ledger approval settings. Every answer is decoded strictly.
 */
import type { MoneyValue } from '../money';
import { apiGet, apiPost, apiRequest, decode, type Decoder } from './client';
import { decodeMoney, type LedgerSettings } from './ledger';

type Json = Record<string, unknown>;
const obj = (json: unknown, what: string): Json => decode.object(json, what);
const str = (o: Json, key: string): string => decode.string(o, key);
const num = (o: Json, key: string): number => decode.number(o, key);

const optStr = decode.nullableString;
const arrayOf = decode.list;

const none: Decoder<null> = () => null;
const enc = encodeURIComponent;
const opts = (signal?: AbortSignal) => (signal ? { signal } : {});

// ---------- audit log ----------

/** A signed tree head. */
export interface CheckpointInfo {
  size: number;
  time: string;
  note: string;
}

export const decodeCheckpoint: Decoder<CheckpointInfo> = (json) => {
  const o = obj(json, 'checkpoint');
  return { size: num(o, 'size'), time: str(o, 'time'), note: str(o, 'note') };
};

export function latestCheckpoint(signal?: AbortSignal): Promise<CheckpointInfo> {
  return apiGet('/api/v1/audit/checkpoint', decodeCheckpoint, opts(signal));
}

export function signCheckpoint(): Promise<CheckpointInfo> {
  return apiPost('/api/v1/audit/checkpoint', {}, decodeCheckpoint);
}

/** One audit entry: the canonical event text is exactly the Merkle leaf. */
export interface AuditEntry {
  index: number;
  leaf_hash: string;
  leaf: string;
}

export const decodeEntry: Decoder<AuditEntry> = (json) => {
  const o = obj(json, 'entry');
  return { index: num(o, 'index'), leaf_hash: str(o, 'leaf_hash'), leaf: str(o, 'leaf') };
};

/** Entries `start..end` (at most 1000). */
export function auditEntries(
  start: number,
  end: number,
  signal?: AbortSignal,
): Promise<AuditEntry[]> {
  return apiGet(
    `/api/v1/audit/entries?start=${String(start)}&end=${String(end)}`,
    arrayOf(decodeEntry, 'entries'),
    opts(signal),
  );
}

/** An RFC 9162 inclusion proof. */
export interface InclusionProof {
  index: number;
  tree_size: number;
  leaf_hash: string;
  hashes: string[];
}

export const decodeInclusion: Decoder<InclusionProof> = (json) => {
  const o = obj(json, 'proof');
  return {
    index: num(o, 'index'),
    tree_size: num(o, 'tree_size'),
    leaf_hash: str(o, 'leaf_hash'),
    hashes: decode.stringArray(o, 'hashes'),
  };
};

export function inclusionProof(
  index: number,
  treeSize: number,
  signal?: AbortSignal,
): Promise<InclusionProof> {
  return apiGet(
    `/api/v1/audit/proof/inclusion?index=${String(index)}&tree_size=${String(treeSize)}`,
    decodeInclusion,
    opts(signal),
  );
}

/** An RFC 9162 consistency proof between two tree sizes. */
export interface ConsistencyProof {
  first: number;
  second: number;
  hashes: string[];
}

export function consistencyProof(
  first: number,
  second: number,
  signal?: AbortSignal,
): Promise<ConsistencyProof> {
  return apiGet(
    `/api/v1/audit/proof/consistency?first=${String(first)}&second=${String(second)}`,
    (json) => {
      const o = obj(json, 'proof');
      return {
        first: num(o, 'first'),
        second: num(o, 'second'),
        hashes: decode.stringArray(o, 'hashes'),
      };
    },
    opts(signal),
  );
}

// ---------- security events ----------

/** Query key of the security event list (live updates invalidate it). */
export const SECURITY_EVENTS_KEY = ['security', 'events'] as const;

export interface SecurityEvent {
  id: number;
  time: string;
  kind: string;
  severity: string;
  user_id: string | null;
  client_addr: string | null;
  details: string;
  /** `open`, `acknowledged` or `resolved`. */
  status: string;
  /** Audit log indexes the alert rests on (`[]` when the server sends none). */
  evidence: number[];
  /** Who acknowledged or resolved it last. */
  status_by: string | null;
  /** Why. */
  status_note: string | null;
  /** When. */
  status_time: string | null;
}

/** The evidence list, tolerating servers that do not send it yet (missing or null: none). */
function evidenceOf(o: Json): number[] {
  const v = o.evidence;
  if (v === null || v === undefined) return [];
  if (
    !Array.isArray(v) ||
    !v.every((i) => typeof i === 'number' && Number.isInteger(i) && i >= 0)
  ) {
    throw new TypeError('evidence is not a list of audit indexes');
  }
  return v as number[];
}

const decodeSecurityEvent: Decoder<SecurityEvent> = (json) => {
  const o = obj(json, 'security event');
  return {
    id: num(o, 'id'),
    time: str(o, 'time'),
    kind: str(o, 'kind'),
    severity: str(o, 'severity'),
    user_id: optStr(o, 'user_id'),
    client_addr: optStr(o, 'client_addr'),
    details: str(o, 'details'),
    status: str(o, 'status'),
    evidence: evidenceOf(o),
    status_by: optStr(o, 'status_by'),
    status_note: optStr(o, 'status_note'),
    status_time: optStr(o, 'status_time'),
  };
};

/** Security events with id above `after` (oldest first). */
export function securityEvents(
  after = 0,
  limit = 500,
  signal?: AbortSignal,
): Promise<SecurityEvent[]> {
  return apiGet(
    `/api/v1/security/events?after=${String(after)}&limit=${String(limit)}`,
    arrayOf(decodeSecurityEvent, 'security events'),
    opts(signal),
  );
}

/** Longest status note the server accepts. */
export const STATUS_NOTE_MAX = 500;

/**
 * Acknowledges or resolves an alert. The note is required to resolve (the server refuses
 * without one) and optional to acknowledge; an empty note is left out.
 */
export function setSecurityEventStatus(
  id: number,
  status: 'acknowledged' | 'resolved',
  note = '',
): Promise<null> {
  const trimmed = note.trim();
  return apiPost(
    `/api/v1/security/events/${String(id)}/status`,
    trimmed ? { status, note: trimmed } : { status },
    none,
  );
}

// ---------- users ----------

export interface StaffUser {
  id: string;
  username: string;
  roles: string[];
  branch: string | null;
  status: string;
  legal_name: string;
  email: string;
  created_at: string;
}

const decodeUser: Decoder<StaffUser> = (json) => {
  const o = obj(json, 'user');
  return {
    id: str(o, 'id'),
    username: str(o, 'username'),
    roles: decode.stringArray(o, 'roles'),
    branch: optStr(o, 'branch'),
    status: str(o, 'status'),
    legal_name: str(o, 'legal_name'),
    email: str(o, 'email'),
    created_at: str(o, 'created_at'),
  };
};

export function allUsers(after?: string, signal?: AbortSignal): Promise<StaffUser[]> {
  const q = after ? `&after=${enc(after)}` : '';
  return apiGet(`/api/v1/users?limit=200${q}`, arrayOf(decodeUser, 'users'), opts(signal));
}

export interface NewStaffUser {
  username: string;
  roles: string[];
  branch?: string;
  legal_name: string;
  email: string;
}

export interface CreatedUser {
  user: StaffUser;
  activation_code: string;
  expires_at: string | null;
}

export function createUser(body: NewStaffUser): Promise<CreatedUser> {
  return apiPost('/api/v1/users', body, (json) => {
    const o = obj(json, 'created user');
    return {
      user: decodeUser(o.user),
      activation_code: str(o, 'activation_code'),
      expires_at: optStr(o, 'expires_at'),
    };
  });
}

export function setUserRoles(id: string, roles: string[], branch?: string): Promise<StaffUser> {
  return apiRequest(`/api/v1/users/${enc(id)}/roles`, decodeUser, {
    method: 'PUT',
    body: branch ? { roles, branch } : { roles },
  });
}

export function setUserEnabled(id: string, enabled: boolean): Promise<unknown> {
  return apiPost(`/api/v1/users/${enc(id)}/${enabled ? 'enable' : 'disable'}`, {}, (j) => j);
}

// ---------- certificates ----------

export interface Certificate {
  serial: string;
  user_id: string;
  device_id: string;
  usage: string;
  status: string;
  superseded_by: string | null;
  not_after: string;
  created_at: string;
}

const decodeCertificate: Decoder<Certificate> = (json) => {
  const o = obj(json, 'certificate');
  return {
    serial: str(o, 'serial'),
    user_id: str(o, 'user_id'),
    device_id: str(o, 'device_id'),
    usage: str(o, 'usage'),
    status: str(o, 'status'),
    superseded_by: optStr(o, 'superseded_by'),
    not_after: str(o, 'not_after'),
    created_at: str(o, 'created_at'),
  };
};

export function allCertificates(
  status: '' | 'valid' | 'revoked',
  signal?: AbortSignal,
): Promise<Certificate[]> {
  const q = status ? `&status=${status}` : '';
  return apiGet(
    `/api/v1/certificates?all=true&limit=200${q}`,
    arrayOf(decodeCertificate, 'certificates'),
    opts(signal),
  );
}

/** RFC 5280 revocation reasons offered in the UI. */
export const REVOCATION_REASONS = [
  { code: 0, label: 'Unspecified' },
  { code: 1, label: 'Key compromise' },
  { code: 3, label: 'Affiliation changed' },
  { code: 4, label: 'Superseded' },
  { code: 5, label: 'Cessation of operation' },
] as const;

export function revokeCertificate(serial: string, reason: number): Promise<null> {
  return apiPost(`/api/v1/certificates/${enc(serial)}/revoke`, { reason }, none);
}

// ---------- CA ----------

export interface CaCert {
  algorithm: string;
  subject: string;
  serial: string;
  not_before: string;
  not_after: string;
}

export interface CaOverview {
  root: CaCert;
  issuing: CaCert;
  issuing_cas: number;
}

const decodeCaCert: Decoder<CaCert> = (json) => {
  const o = obj(json, 'CA certificate');
  return {
    algorithm: str(o, 'algorithm'),
    subject: str(o, 'subject'),
    serial: str(o, 'serial'),
    not_before: str(o, 'not_before'),
    not_after: str(o, 'not_after'),
  };
};

export function caOverview(signal?: AbortSignal): Promise<CaOverview> {
  return apiGet(
    '/api/v1/pki/ca',
    (json) => {
      const o = obj(json, 'CA');
      return {
        root: decodeCaCert(o.root),
        issuing: decodeCaCert(o.issuing),
        issuing_cas: num(o, 'issuing_cas'),
      };
    },
    opts(signal),
  );
}

// ---------- ledger settings ----------

export function putLedgerSettings(settings: {
  thresholds: MoneyValue[];
  pending_ttl_seconds: number;
}): Promise<LedgerSettings> {
  return apiRequest(
    '/api/v1/settings/ledger',
    (json) => {
      const o = obj(json, 'settings');
      const t = o.thresholds;
      if (!Array.isArray(t)) throw new TypeError('thresholds is not a list');
      return { thresholds: t.map(decodeMoney), pending_ttl_seconds: num(o, 'pending_ttl_seconds') };
    },
    { method: 'PUT', body: settings },
  );
}

// ---------- monitoring settings ----------

/** The monitoring rules' thresholds (`/api/v1/settings/monitoring`). */
export interface MonitoringSettings {
  failed_logins_per_address: number;
  failed_login_window_seconds: number;
  velocity_max_count: number;
  velocity_window_seconds: number;
  /** Per currency, decimal strings like the ledger thresholds. */
  velocity_max_amount: MoneyValue[];
  unusual_amount_factor: number;
  unusual_min_history: number;
}

export const MONITORING_SETTINGS_KEY = ['settings', 'monitoring'] as const;

const decodeMonitoring: Decoder<MonitoringSettings> = (json) => {
  const o = obj(json, 'monitoring settings');
  const amounts = o.velocity_max_amount;
  if (!Array.isArray(amounts)) throw new TypeError('velocity_max_amount is not a list');
  return {
    failed_logins_per_address: num(o, 'failed_logins_per_address'),
    failed_login_window_seconds: num(o, 'failed_login_window_seconds'),
    velocity_max_count: num(o, 'velocity_max_count'),
    velocity_window_seconds: num(o, 'velocity_window_seconds'),
    velocity_max_amount: amounts.map(decodeMoney),
    unusual_amount_factor: num(o, 'unusual_amount_factor'),
    unusual_min_history: num(o, 'unusual_min_history'),
  };
};

export function monitoringSettings(signal?: AbortSignal): Promise<MonitoringSettings> {
  return apiGet('/api/v1/settings/monitoring', decodeMonitoring, opts(signal));
}

export function putMonitoringSettings(settings: MonitoringSettings): Promise<MonitoringSettings> {
  return apiRequest('/api/v1/settings/monitoring', decodeMonitoring, {
    method: 'PUT',
    body: settings,
  });
}

// ---------- identity settings (read-only; set by the server's configuration) ----------

/** Sign-in and session limits in force (`IdentitySettingsDto`, `routes/ledger.rs`). */
export interface IdentitySettings {
  /** Failed logins before an account locks. */
  lockout_threshold: number;
  /** First lock; doubles with every further failure. */
  lockout_base_seconds: number;
  /** Longest lock. */
  lockout_max_seconds: number;
  session_idle_seconds: number;
  session_absolute_seconds: number;
  /** Lifetime of a login challenge. */
  challenge_ttl_seconds: number;
  /** Lifetime of activation and reset codes. */
  activation_ttl_seconds: number;
  /** Accepted clock difference of request MACs. */
  mac_skew_seconds: number;
  /** Login attempts per client address and minute (per instance). */
  login_rate_per_minute: number;
}

export const IDENTITY_SETTINGS_KEY = ['settings', 'identity'] as const;

const decodeIdentitySettings: Decoder<IdentitySettings> = (json) => {
  const o = obj(json, 'identity settings');
  return {
    lockout_threshold: num(o, 'lockout_threshold'),
    lockout_base_seconds: num(o, 'lockout_base_seconds'),
    lockout_max_seconds: num(o, 'lockout_max_seconds'),
    session_idle_seconds: num(o, 'session_idle_seconds'),
    session_absolute_seconds: num(o, 'session_absolute_seconds'),
    challenge_ttl_seconds: num(o, 'challenge_ttl_seconds'),
    activation_ttl_seconds: num(o, 'activation_ttl_seconds'),
    mac_skew_seconds: num(o, 'mac_skew_seconds'),
    login_rate_per_minute: num(o, 'login_rate_per_minute'),
  };
};

/** The identity security settings in force (admins). */
export function identitySettings(signal?: AbortSignal): Promise<IdentitySettings> {
  return apiGet('/api/v1/settings/identity', decodeIdentitySettings, opts(signal));
}
