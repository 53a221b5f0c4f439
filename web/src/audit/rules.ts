/**
 * Human text for the monitoring rules (the `kind` of a security event / alert), shared by the
 * auditor's alerts page and the customer's security notices. Unknown kinds fall back to a
 * readable form of the code.
 */

/** One rule: a short label, and what it means. */
export interface RuleText {
  label: string;
  description: string;
}

/** Every rule the server raises (MONITORING_API.md), plus the older per-event kinds. */
export const RULE_TEXT: Readonly<Record<string, RuleText>> = {
  'auth.account_locked': {
    label: 'Account locked',
    description: 'Too many failed sign-ins to one account; the account was locked.',
  },
  'auth.address_blocked': {
    label: 'Address blocked',
    description: 'Too many failed sign-ins from one address; it is blocked for a while.',
  },
  'auth.challenge_reused': {
    label: 'Sign-in challenge reused',
    description: 'A sign-in challenge was presented twice (a replayed sign-in).',
  },
  'auth.replayed_request': {
    label: 'Replayed request',
    description: 'A request counter was used again (a replayed request).',
  },
  'transfer.signature_replay': {
    label: 'Signed transfer replayed',
    description:
      'A signed transfer was presented again with a different payload, or by someone other than its signer.',
  },
  'auth.revoked_device': {
    label: 'Revoked device used',
    description: 'A revoked device certificate was used.',
  },
  'auth.unknown_certificate': {
    label: 'Unknown certificate',
    description: 'A certificate the bank does not know was used.',
  },
  'auth.unbound_device': {
    label: 'Device not bound',
    description: 'A device that is not bound to the user was used.',
  },
  'transfer.velocity_count': {
    label: 'Many transfers',
    description: 'Too many transfers by one customer in the time window.',
  },
  'transfer.velocity_amount': {
    label: 'Large total sent',
    description: 'Too much money sent by one customer in the time window.',
  },
  'transfer.unusual_amount': {
    label: 'Unusual amount',
    description: 'A transfer far above the customer’s usual amount.',
  },
  'admin.privilege_change': {
    label: 'Privileges changed',
    description: 'Roles assigned or removed, a staff user created, or a user disabled or enabled.',
  },
  'admin.setting_change': {
    label: 'Setting changed',
    description: 'A security or ledger setting was changed.',
  },
  'audit.self_check_failed': {
    label: 'Audit self-check failed',
    description: 'Stored audit events do not match the signed checkpoint.',
  },
  'auth.invalid_credentials': {
    label: 'Failed sign-in',
    description: 'Wrong password or unknown user.',
  },
  'auth.bad_device_signature': {
    label: 'Bad device signature',
    description: 'A sign-in signature did not verify.',
  },
  'auth.rate_limited': {
    label: 'Rate limited',
    description: 'Requests were refused for coming too fast.',
  },
};

/** The short label of a rule kind. */
export function ruleLabel(kind: string): string {
  const known = RULE_TEXT[kind];
  if (known) return known.label;
  const tail = kind.includes('.') ? kind.slice(kind.indexOf('.') + 1) : kind;
  const words = tail.replace(/[_.]+/g, ' ').trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : kind;
}

/** What a rule means, if known. */
export function ruleDescription(kind: string): string | undefined {
  return RULE_TEXT[kind]?.description;
}
