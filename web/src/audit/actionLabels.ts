/**
 * Words for audit event actions (`crates/audit/src/actions.rs`) and the rest of an event, for
 * the customer's own activity list. Unknown actions show their code.
 */

const ACTION_LABELS: Readonly<Record<string, string>> = {
  'auth.login': 'Signed in',
  'auth.login_failed': 'Sign-in failed',
  'auth.logout': 'Signed out',
  'auth.session_revoke': 'Session ended',
  'device.enroll': 'Device enrolled',
  'device.remove': 'Device removed',
  'cert.issue': 'Certificate issued',
  'cert.renew': 'Certificate renewed',
  'cert.revoke': 'Certificate revoked',
  'account.open': 'Account opened',
  'account.freeze': 'Account frozen',
  'account.unfreeze': 'Account unfrozen',
  'account.close': 'Account closed',
  'transfer.create': 'Transfer created',
  'transfer.approve': 'Transfer approved',
  'transfer.reject': 'Transfer rejected',
  'transfer.expire': 'Transfer expired',
  'transfer.execute': 'Transfer booked',
  'cash.deposit': 'Cash deposited',
  'cash.withdraw': 'Cash withdrawn',
  'user.create': 'User created',
  'user.disable': 'User disabled',
  'user.enable': 'User enabled',
  'role.assign': 'Role assigned',
  'role.remove': 'Role removed',
  'setting.change': 'Setting changed',
  'key.rotate': 'Key rotated',
  'alert.raise': 'Security alert raised',
  'alert.update': 'Security alert updated',
  'audit.checkpoint': 'Audit checkpoint signed',
  'audit.export': 'Audit log exported',
};

/** Human label of an action code (the code itself when unknown). */
export function actionLabel(action: string): string {
  return ACTION_LABELS[action] ?? action;
}

/** One of the user's own events, as the activity list shows it. */
export interface ActivityEvent {
  time: string;
  action: string;
  label: string;
  /** e.g. `transfer 0193…`. */
  resource: string;
  /** `success` or `failure`. */
  status: string;
  /** Failure code, if any. */
  code: string | null;
}

function field(o: Record<string, unknown>, key: string): string {
  const v = o[key];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

function record(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : {};
}

/** Reads a canonical event leaf; `null` when it is not a JSON object. */
export function activityEvent(leaf: string): ActivityEvent | null {
  let json: unknown;
  try {
    json = JSON.parse(leaf);
  } catch {
    return null;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return null;
  const o = json as Record<string, unknown>;
  const action = field(o, 'action');
  const resource = record(o.resource);
  const outcome = record(o.outcome);
  const code = field(outcome, 'code');
  return {
    time: field(o, 'time'),
    action,
    label: actionLabel(action),
    resource: [field(resource, 'kind'), field(resource, 'id')].filter((s) => s !== '').join(' '),
    status: field(outcome, 'status'),
    code: code === '' ? null : code,
  };
}

/** The outcome in words. */
export function outcomeLabel(e: Pick<ActivityEvent, 'status' | 'code'>): string {
  if (e.status === 'success') return 'Succeeded';
  if (e.status === 'failure') return e.code ? `Failed (${e.code.replace(/_/g, ' ')})` : 'Failed';
  return e.status || '—';
}
