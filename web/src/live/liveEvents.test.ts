import { QueryClient } from '@tanstack/react-query';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SECURITY_EVENTS_KEY } from '../api/staff';
import { parseLiveEvent, startLiveUpdates, staleKeys, type LiveState } from './liveEvents';

class FakeSource extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  readyState = 0;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  close() {
    this.closed = true;
    this.readyState = 2;
  }
  emit(kind: string, data: unknown) {
    this.dispatchEvent(new MessageEvent(kind, { data: JSON.stringify(data) }));
  }
}

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('live events', () => {
  it('parses updates and ignores unknown kinds or shapes', () => {
    const e = parseLiveEvent(
      'transfer',
      '{"index":4,"kind":"transfer","action":"transfer.approve","resource_id":"t1","status":"posted"}',
    );
    expect(e).toEqual({
      index: 4,
      kind: 'transfer',
      action: 'transfer.approve',
      resource_id: 't1',
      status: 'posted',
    });
    expect(parseLiveEvent('other', '{}')).toBeNull();
    expect(parseLiveEvent('alert', 'not json')).toBeNull();
    expect(parseLiveEvent('alert', '{"index":"x"}')).toBeNull();
    expect(staleKeys({ ...e!, kind: 'alert' })).toEqual([SECURITY_EVENTS_KEY]);
  });

  it('invalidates queries per event, reconnects a refused stream and falls back to polling', () => {
    vi.useFakeTimers();
    vi.stubGlobal('EventSource', FakeSource);
    const queryClient = new QueryClient();
    const invalidate = vi.spyOn(queryClient, 'invalidateQueries');
    const sources: FakeSource[] = [];
    const states: LiveState[] = [];
    const events: string[] = [];
    const stop = startLiveUpdates({
      queryClient,
      onEvent: (e) => events.push(e.action),
      onState: (s) => states.push(s),
      createSource: () => {
        const s = new FakeSource();
        sources.push(s);
        return s as unknown as EventSource;
      },
      maxFailures: 2,
      pollMs: 1000,
    });
    const first = sources[0]!;
    first.readyState = 1;
    first.onopen?.();
    first.emit('alert', {
      index: 1,
      kind: 'alert',
      action: 'security.event',
      resource_id: '9',
      status: null,
    });
    expect(events).toEqual(['security.event']);
    expect(invalidate).toHaveBeenCalledWith({ queryKey: SECURITY_EVENTS_KEY });
    // Refused: closed, retried after a backoff.
    first.readyState = 2;
    first.onerror?.();
    expect(sources).toHaveLength(1);
    vi.advanceTimersByTime(2000);
    expect(sources).toHaveLength(2);
    sources[1]!.readyState = 2;
    sources[1]!.onerror?.();
    expect(states.at(-1)).toBe('polling');
    invalidate.mockClear();
    vi.advanceTimersByTime(1000);
    expect(invalidate).toHaveBeenCalledWith({ queryKey: ['approvals'] });
    stop();
    expect(states.at(-1)).toBe('off');
  });
});
