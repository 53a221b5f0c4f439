/**
 * The ledger API (`crates/server/src/routes/ledger.rs`): accounts, bookings, statements,
 * device-signed transfers, the cash desk, approvals and reports. Every answer is decoded
 * strictly; money stays a decimal string until it is formatted.
 */
import type { MoneyValue } from '../money';
import { apiGet, apiPost, apiRequest, decode, type Decoder } from './client';

type Json = Record<string, unknown>;

function obj(json: unknown, what: string): Json {
  return decode.object(json, what);
}

function str(o: Json, key: string): string {
  return decode.string(o, key);
}

const optStr = decode.nullableString;

function num(o: Json, key: string): number {
  return decode.number(o, key);
}

/** The list member `key` of `o`, each item decoded by `item` (the shared `decode.list`). */
function list<T>(o: Json, key: string, item: Decoder<T>): T[] {
  return decode.list(item, key)(o[key]);
}

export const decodeMoney: Decoder<MoneyValue> = (json) => {
  const o = obj(json, 'money');
  return { amount: str(o, 'amount'), currency: str(o, 'currency') };
};

function optMoney(o: Json, key: string): MoneyValue | null {
  const v = o[key];
  return v === null || v === undefined ? null : decodeMoney(v);
}

/** Balances of an account. */
export interface Balance {
  posted: MoneyValue;
  pending_debits: MoneyValue;
  pending_credits: MoneyValue;
  /** What can be spent now; `null` for the bank's internal accounts. */
  available: MoneyValue | null;
}

/** An account. */
export interface Account {
  id: string;
  owner_id: string | null;
  /** `current`, `savings`, `cash` or `suspense`. */
  kind: string;
  currency: string;
  /** `open`, `frozen` or `closed`. */
  status: string;
  overdraft_limit: MoneyValue;
  balance: Balance;
  created_at: string;
  version: number;
}

export const decodeAccount: Decoder<Account> = (json) => {
  const o = obj(json, 'account');
  const b = obj(o.balance, 'balance');
  return {
    id: str(o, 'id'),
    owner_id: optStr(o, 'owner_id'),
    kind: str(o, 'kind'),
    currency: str(o, 'currency'),
    status: str(o, 'status'),
    overdraft_limit: decodeMoney(o.overdraft_limit),
    balance: {
      posted: decodeMoney(b.posted),
      pending_debits: decodeMoney(b.pending_debits),
      pending_credits: decodeMoney(b.pending_credits),
      available: optMoney(b, 'available'),
    },
    created_at: str(o, 'created_at'),
    version: num(o, 'version'),
  };
};

/** One booking on an account. */
export interface Entry {
  seq: number;
  transfer_id: string;
  time: string;
  /** Signed: negative for debits. */
  amount: MoneyValue;
  balance_after: MoneyValue;
  counterparty: string;
  reference: string;
  kind: string;
}

export const decodeEntry: Decoder<Entry> = (json) => {
  const o = obj(json, 'entry');
  return {
    seq: num(o, 'seq'),
    transfer_id: str(o, 'transfer_id'),
    time: str(o, 'time'),
    amount: decodeMoney(o.amount),
    balance_after: decodeMoney(o.balance_after),
    counterparty: str(o, 'counterparty'),
    reference: str(o, 'reference'),
    kind: str(o, 'kind'),
  };
};

/** A transfer's status. */
export type TransferStatus = 'posted' | 'pending_approval' | 'rejected' | 'expired' | 'voided';

/** A transfer, with what was signed. */
export interface Transfer {
  id: string;
  status: string;
  /** `transfer`, `cash_deposit` or `cash_withdrawal`. */
  kind: string;
  from_account: string;
  to_account: string;
  amount: MoneyValue;
  reference: string;
  created_at: string;
  initiator_id: string;
  initiator_cert_serial: string;
  payload: Json;
  payload_sha256: string;
  signature: string;
  signature_algorithm: string;
  approval_required: boolean;
  expires_at: string | null;
  decided_at: string | null;
  decided_by: string | null;
  approval: { payload: string; signature: string; cert_serial: string } | null;
  reason: string | null;
}

export const decodeTransfer: Decoder<Transfer> = (json) => {
  const o = obj(json, 'transfer');
  const approval =
    o.approval === null || o.approval === undefined ? null : obj(o.approval, 'approval');
  return {
    id: str(o, 'id'),
    status: str(o, 'status'),
    kind: str(o, 'kind'),
    from_account: str(o, 'from_account'),
    to_account: str(o, 'to_account'),
    amount: decodeMoney(o.amount),
    reference: str(o, 'reference'),
    created_at: str(o, 'created_at'),
    initiator_id: str(o, 'initiator_id'),
    initiator_cert_serial: str(o, 'initiator_cert_serial'),
    payload: obj(o.payload, 'payload'),
    payload_sha256: str(o, 'payload_sha256'),
    signature: str(o, 'signature'),
    signature_algorithm: str(o, 'signature_algorithm'),
    approval_required: o.approval_required === true,
    expires_at: optStr(o, 'expires_at'),
    decided_at: optStr(o, 'decided_at'),
    decided_by: optStr(o, 'decided_by'),
    approval: approval && {
      payload: str(approval, 'payload'),
      signature: str(approval, 'signature'),
      cert_serial: str(approval, 'cert_serial'),
    },
    reason: optStr(o, 'reason'),
  };
};

/** A page of items and the cursor of the next one. */
export interface Page<T> {
  items: T[];
  next: string | null;
}

function pageOf<T>(item: Decoder<T>): Decoder<Page<T>> {
  return (json) => {
    const o = obj(json, 'page');
    return { items: list(o, 'items', item), next: optStr(o, 'next') };
  };
}

function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

const enc = encodeURIComponent;

// ---------- accounts ----------

export function listAccounts(
  params: { owner_id?: string; after?: string; limit?: number } = {},
  signal?: AbortSignal,
): Promise<Page<Account>> {
  return apiGet(`/api/v1/accounts${query(params)}`, pageOf(decodeAccount), signal && { signal });
}

export function getAccount(id: string, signal?: AbortSignal): Promise<Account> {
  return apiGet(`/api/v1/accounts/${enc(id)}`, decodeAccount, signal && { signal });
}

export function openAccount(body: {
  owner_id: string;
  kind: 'current' | 'savings';
  currency: string;
}): Promise<Account> {
  return apiPost('/api/v1/accounts', body, decodeAccount);
}

export function setAccountStatus(
  id: string,
  status: 'open' | 'frozen' | 'closed',
  reason?: string,
): Promise<Account> {
  return apiPost(
    `/api/v1/accounts/${enc(id)}/status`,
    { status, ...(reason ? { reason } : {}) },
    decodeAccount,
  );
}

export function setOverdraft(id: string, limit: MoneyValue, reason?: string): Promise<Account> {
  return apiPost(
    `/api/v1/accounts/${enc(id)}/overdraft`,
    { limit, ...(reason ? { reason } : {}) },
    decodeAccount,
  );
}

/** An account's bookings, newest first; `before` is the previous page's `next`. */
export function listTransactions(
  id: string,
  params: { before?: string | null; limit?: number; from?: string; to?: string } = {},
  signal?: AbortSignal,
): Promise<Page<Entry>> {
  return apiGet(
    `/api/v1/accounts/${enc(id)}/transactions${query(params)}`,
    pageOf(decodeEntry),
    signal && { signal },
  );
}

/** The URL of an account's CSV statement for whole UTC days. */
export function statementPath(id: string, from: string, to: string): string {
  return `/api/v1/accounts/${enc(id)}/statement${query({ from, to, format: 'csv' })}`;
}

/**
 * Downloads a CSV statement through the authenticated client (the request carries the session's
 * MAC, so a plain link would not do) and returns it as text.
 */
export async function fetchStatementCsv(id: string, from: string, to: string): Promise<string> {
  return apiRequest(
    statementPath(id, from, to),
    (body) => {
      if (typeof body !== 'string') throw new TypeError('statement is not text');
      return body;
    },
    { headers: { Accept: 'text/csv, application/problem+json' }, text: true },
  );
}

export function cashAccounts(signal?: AbortSignal): Promise<Account[]> {
  return apiGet('/api/v1/cash/accounts', pageOf(decodeAccount), signal && { signal }).then(
    (p) => p.items,
  );
}

// ---------- transfers ----------

/** A signed request: the payload as a JSON object and the device signature (base64url). */
export interface SignedBody {
  payload: Record<string, string>;
  signature: string;
}

/** Which endpoint takes a signed transfer. */
export type TransferChannel = 'transfer' | 'deposit' | 'withdraw';

const CHANNEL_PATHS: Record<TransferChannel, string> = {
  transfer: '/api/v1/transfers',
  deposit: '/api/v1/cash/deposit',
  withdraw: '/api/v1/cash/withdraw',
};

export function submitTransfer(channel: TransferChannel, body: SignedBody): Promise<Transfer> {
  return apiPost(CHANNEL_PATHS[channel], body, decodeTransfer);
}

/** The receipt of one transfer of a bulk payment. */
export interface TransferReceipt {
  id: string;
  /** `posted` or `pending_approval` (or its later state, for a retry). */
  status: string;
  created_at: string;
  expires_at: string | null;
}

/** What became of one transfer of a bulk payment: a receipt, or why it was refused. */
export interface BatchItem {
  /** 201 booked, 200 an earlier booking of the same transfer, otherwise the refusal's status. */
  status: number;
  transfer: TransferReceipt | null;
  problem: { code: string; detail: string | null } | null;
}

/** The answer to a bulk payment, one result per transfer in the order sent. */
export interface TransferBatch {
  results: BatchItem[];
  created: number;
  refused: number;
}

const decodeBatchItem: Decoder<BatchItem> = (json) => {
  const o = obj(json, 'batch result');
  const t = o.transfer;
  const p = o.problem;
  let transfer: TransferReceipt | null = null;
  if (t !== null && t !== undefined) {
    const r = obj(t, 'receipt');
    transfer = {
      id: str(r, 'id'),
      status: str(r, 'status'),
      created_at: str(r, 'created_at'),
      expires_at: optStr(r, 'expires_at'),
    };
  }
  let problem: BatchItem['problem'] = null;
  if (p !== null && p !== undefined) {
    const r = obj(p, 'problem');
    problem = { code: str(r, 'code'), detail: optStr(r, 'detail') };
  }
  return { status: num(o, 'status'), transfer, problem };
};

const decodeTransferBatch: Decoder<TransferBatch> = (json) => {
  const o = obj(json, 'transfer batch');
  return {
    results: list(o, 'results', decodeBatchItem),
    created: num(o, 'created'),
    refused: num(o, 'refused'),
  };
};

/** Sends up to 100 signed transfers in one request (`POST /api/v1/transfer-batches`). */
export function submitTransferBatch(bodies: SignedBody[]): Promise<TransferBatch> {
  return apiPost('/api/v1/transfer-batches', { transfers: bodies }, decodeTransferBatch);
}

export function listTransfers(
  params: { account?: string; status?: string; after?: string | null; limit?: number } = {},
  signal?: AbortSignal,
): Promise<Page<Transfer>> {
  return apiGet(`/api/v1/transfers${query(params)}`, pageOf(decodeTransfer), signal && { signal });
}

export function getTransfer(id: string, signal?: AbortSignal): Promise<Transfer> {
  return apiGet(`/api/v1/transfers/${enc(id)}`, decodeTransfer, signal && { signal });
}

export function approvalQueue(signal?: AbortSignal): Promise<Transfer[]> {
  return apiGet('/api/v1/approvals', pageOf(decodeTransfer), signal && { signal }).then(
    (p) => p.items,
  );
}

/** Approves a pending transfer with a signed approval payload. */
export function approveTransfer(id: string, body: SignedBody): Promise<Transfer> {
  return apiPost(`/api/v1/transfers/${enc(id)}/approve`, body, decodeTransfer);
}

/** Rejects a pending transfer (an authenticated request with a reason; nothing is signed). */
export function rejectTransfer(id: string, reason: string): Promise<Transfer> {
  return apiPost(`/api/v1/transfers/${enc(id)}/reject`, { reason }, decodeTransfer);
}

// ---------- reports and settings ----------

export interface VolumeRow {
  day: string;
  currency: string;
  count: number;
  total: MoneyValue;
}

export interface VolumeReport {
  since: string;
  rows: VolumeRow[];
}

export const decodeVolume: Decoder<VolumeReport> = (json) => {
  const o = obj(json, 'volume');
  return {
    since: str(o, 'since'),
    rows: list(o, 'rows', (r) => {
      const row = obj(r, 'row');
      return {
        day: str(row, 'day'),
        currency: str(row, 'currency'),
        count: num(row, 'count'),
        total: decodeMoney(row.total),
      };
    }),
  };
};

export interface ApprovalReport {
  since: string;
  queue: Transfer[];
  large: Transfer[];
  approved: number;
  rejected: number;
  expired: number;
  turnaround_p50_secs: number | null;
  turnaround_p90_secs: number | null;
  turnaround_max_secs: number | null;
  large_totals: MoneyValue[];
}

function optNum(o: Json, key: string): number | null {
  const v = o[key];
  return v === null || v === undefined ? null : num(o, key);
}

export const decodeApprovalReport: Decoder<ApprovalReport> = (json) => {
  const o = obj(json, 'approval report');
  return {
    since: str(o, 'since'),
    queue: list(o, 'queue', decodeTransfer),
    large: list(o, 'large', decodeTransfer),
    approved: num(o, 'approved'),
    rejected: num(o, 'rejected'),
    expired: num(o, 'expired'),
    turnaround_p50_secs: optNum(o, 'turnaround_p50_secs'),
    turnaround_p90_secs: optNum(o, 'turnaround_p90_secs'),
    turnaround_max_secs: optNum(o, 'turnaround_max_secs'),
    large_totals: list(o, 'large_totals', decodeMoney),
  };
};

export function reportVolume(days: number, signal?: AbortSignal): Promise<VolumeReport> {
  return apiGet(`/api/v1/reports/volume?days=${days}`, decodeVolume, signal && { signal });
}

export function reportApprovals(days: number, signal?: AbortSignal): Promise<ApprovalReport> {
  return apiGet(
    `/api/v1/reports/approvals?days=${days}`,
    decodeApprovalReport,
    signal && { signal },
  );
}

/** The approval policy: thresholds per currency (inclusive). */
export interface LedgerSettings {
  thresholds: MoneyValue[];
  pending_ttl_seconds: number;
}

export function ledgerSettings(signal?: AbortSignal): Promise<LedgerSettings> {
  return apiGet(
    '/api/v1/settings/ledger',
    (json) => {
      const o = obj(json, 'settings');
      return {
        thresholds: list(o, 'thresholds', decodeMoney),
        pending_ttl_seconds: num(o, 'pending_ttl_seconds'),
      };
    },
    signal && { signal },
  );
}

// ---------- customers (identity API) ----------

export interface UserSummary {
  id: string;
  username: string;
  roles: string[];
  status: string;
  legal_name: string;
  email: string;
}

const decodeUserSummary: Decoder<UserSummary> = (json) => {
  const o = obj(json, 'user');
  return {
    id: str(o, 'id'),
    username: str(o, 'username'),
    roles: decode.stringArray(o, 'roles'),
    status: str(o, 'status'),
    legal_name: str(o, 'legal_name'),
    email: str(o, 'email'),
  };
};

/** Users visible to the caller (clerks: customers only), by username. */
export function listUsers(
  params: { after?: string; limit?: number } = {},
  signal?: AbortSignal,
): Promise<UserSummary[]> {
  return apiGet(
    `/api/v1/users${query(params)}`,
    (json) => {
      if (!Array.isArray(json)) throw new TypeError('users is not a list');
      return json.map(decodeUserSummary);
    },
    signal && { signal },
  );
}

export interface Onboarded {
  user: UserSummary;
  activation_code: string;
  expires_at: string | null;
}

export function onboardCustomer(body: {
  username: string;
  legal_name: string;
  email: string;
  address?: string;
}): Promise<Onboarded> {
  return apiPost('/api/v1/customers', body, (json) => {
    const o = obj(json, 'onboarded');
    return {
      user: decodeUserSummary(o.user),
      activation_code: str(o, 'activation_code'),
      expires_at: optStr(o, 'expires_at'),
    };
  });
}
