import { describe, expect, it } from 'vitest';
import { draftOf, durationText, validateDraft } from './monitoringRules';

const SETTINGS = {
  failed_logins_per_address: 10,
  failed_login_window_seconds: 600,
  velocity_max_count: 20,
  velocity_window_seconds: 3600,
  velocity_max_amount: [
    { currency: 'EUR', amount: '50000.00' },
    { currency: 'JPY', amount: '5000000' },
  ],
  unusual_amount_factor: 10,
  unusual_min_history: 5,
};

describe('monitoring settings validation', () => {
  it('round-trips valid settings', () => {
    expect(validateDraft(draftOf(SETTINGS))).toEqual({ ok: true, settings: SETTINGS });
  });

  it('normalises amounts with the money parser', () => {
    const draft = draftOf(SETTINGS);
    draft.amounts = [{ currency: 'EUR', text: '1,000' }];
    const r = validateDraft(draft);
    expect(r.ok && r.settings.velocity_max_amount).toEqual([
      { currency: 'EUR', amount: '1000.00' },
    ]);
  });

  it('refuses values outside the server ranges, non-numbers and bad amounts', () => {
    const draft = draftOf(SETTINGS);
    draft.counts.failed_logins_per_address = '0';
    draft.counts.failed_login_window_seconds = '86401';
    draft.counts.velocity_max_count = '1.5';
    draft.counts.velocity_window_seconds = '59';
    draft.counts.unusual_amount_factor = '1';
    draft.counts.unusual_min_history = '';
    draft.amounts = [
      { currency: 'EUR', text: '10.001' },
      { currency: 'JPY', text: '-5' },
    ];
    const r = validateDraft(draft);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual({
      failed_logins_per_address: 'Must be from 1 to 1,000.',
      failed_login_window_seconds: 'Must be from 10 to 86,400.',
      velocity_max_count: 'Enter a whole number from 1 to 10,000.',
      velocity_window_seconds: 'Must be from 60 to 604,800.',
      unusual_amount_factor: 'Must be from 2 to 1,000.',
      unusual_min_history: 'Enter a whole number from 1 to 1,000.',
      'amount-EUR': 'EUR amounts have at most 2 decimal places.',
      'amount-JPY': 'The amount must be positive.',
    });
  });

  it('accepts the range bounds', () => {
    const draft = draftOf(SETTINGS);
    draft.counts.failed_login_window_seconds = '10';
    draft.counts.velocity_window_seconds = '604800';
    draft.amounts = [];
    const r = validateDraft(draft);
    expect(r.ok).toBe(true);
  });

  it('writes durations in words', () => {
    expect(durationText(600)).toBe('10 min');
    expect(durationText(3600)).toBe('1 h');
    expect(durationText(90)).toBe('1 min 30 s');
    expect(durationText(604_800)).toBe('7 d');
    expect(durationText(0)).toBe('0 s');
  });

  it('writes durations in long words', () => {
    expect(durationText(900, 'long')).toBe('15 minutes');
    expect(durationText(3600, 'long')).toBe('1 hour');
    expect(durationText(90, 'long')).toBe('1 minute 30 seconds');
    expect(durationText(259_200, 'long')).toBe('3 days');
    expect(durationText(1, 'long')).toBe('1 second');
    expect(durationText(0, 'long')).toBe('0 seconds');
  });
});
