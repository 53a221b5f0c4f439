import { act, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi } from '../test/ledgerFixtures';
import { renderApp } from '../test/render';
import { toastText } from './liveEvents';

class FakeSource extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static last: FakeSource | null = null;
  readyState = 0;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  readonly url: string;
  constructor(url: string) {
    super();
    this.url = url;
    FakeSource.last = this;
  }
  close() {
    this.readyState = 2;
  }
  emit(kind: string, data: unknown) {
    this.dispatchEvent(new MessageEvent(kind, { data: JSON.stringify(data) }));
  }
}

afterEach(() => {
  vi.unstubAllGlobals();
  FakeSource.last = null;
});

const notice = (rule: string, index = 3) => ({
  index,
  kind: 'security_notice',
  action: 'alert.raise',
  resource_id: rule,
  status: 'critical',
});

describe('security notices', () => {
  it('toasts a notice in words and counts notices in a badge that leads to the devices', async () => {
    vi.stubGlobal('EventSource', FakeSource);
    fakeApi({});
    const { router } = renderApp('/accounts', { username: 'alice', roles: ['customer'] });
    const source = FakeSource.last!;
    expect(source.url).toBe('/api/v1/events/stream');
    act(() => {
      source.emit('security_notice', notice('auth.revoked_device'));
      source.emit('security_notice', notice('transfer.unusual_amount', 4));
    });
    const toasts = screen.getAllByTestId('security-notice');
    expect(toasts.map((t) => t.textContent)).toEqual([
      'Security notice: Revoked device used',
      'Security notice: Unusual amount',
    ]);
    const badge = screen.getByTestId('live-notices');
    expect(badge).toHaveTextContent('2');
    await userEvent.click(badge);
    expect(router.state.location.pathname).toBe('/devices');
    expect(screen.queryByTestId('live-notices')).toBeNull();
  });

  it('words alerts and notices from the rule label map', () => {
    expect(toastText({ ...notice('auth.account_locked'), kind: 'security_notice' })).toBe(
      'Security notice: Account locked',
    );
    expect(toastText({ ...notice('some.new_rule'), kind: 'security_notice' })).toBe(
      'Security notice: New rule',
    );
    expect(toastText({ ...notice('auth.address_blocked'), kind: 'alert' })).toBe(
      'Security alert: Address blocked (critical)',
    );
    // Older servers name the security event id, not the rule.
    expect(
      toastText({
        index: 1,
        kind: 'alert',
        action: 'security.event',
        resource_id: '9',
        status: null,
      }),
    ).toBe('Security alert: security.event');
  });
});
