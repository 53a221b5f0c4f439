import { describe, expect, it } from 'vitest';
import { RULE_TEXT, ruleDescription, ruleLabel } from './rules';

describe('rule labels', () => {
  it('labels every rule of the monitoring contract', () => {
    for (const kind of [
      'auth.account_locked',
      'auth.address_blocked',
      'auth.challenge_reused',
      'auth.replayed_request',
      'transfer.signature_replay',
      'auth.revoked_device',
      'auth.unknown_certificate',
      'auth.unbound_device',
      'transfer.velocity_count',
      'transfer.velocity_amount',
      'transfer.unusual_amount',
      'admin.privilege_change',
      'admin.setting_change',
      'audit.self_check_failed',
    ]) {
      expect(RULE_TEXT[kind], kind).toBeDefined();
      expect(ruleDescription(kind)).toBeTruthy();
    }
    expect(ruleLabel('auth.address_blocked')).toBe('Address blocked');
  });

  it('falls back to a readable form of unknown kinds', () => {
    expect(ruleLabel('ledger.odd_thing')).toBe('Odd thing');
    expect(ruleLabel('plain')).toBe('Plain');
    expect(ruleDescription('ledger.odd_thing')).toBeUndefined();
  });
});
