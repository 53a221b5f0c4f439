import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiGet } from '../api/client';
import { toHex } from '../crypto/bytes';
import { jsonResponse } from '../test/http';
import { AuthSession, endSession, getAuthState, startSession } from './authSession';
import { DeviceStore, MemoryStore } from './deviceStore';
import { persistCounter, persistSession, restoreSession } from './sessionPersistence';

const KEY = new Uint8Array(32).fill(7);
const INFO = {
  username: 'alice',
  userId: 'u1',
  sessionId: 's1',
  roles: ['customer'] as const,
  expiresAt: '2030-01-01T00:00:00Z',
  idleTimeoutSecs: 900,
  deviceCertSerial: '0a',
};

afterEach(() => {
  endSession(null);
  sessionStorage.clear();
});

describe('session persistence', () => {
  it('survives a reload with its counter, storing no readable secret', async () => {
    const store = new DeviceStore(new MemoryStore());
    const s = new AuthSession(INFO, 'secret-token', KEY, { onCounter: persistCounter });
    startSession(s);
    await persistSession(s, store);
    const fetchMock = vi.fn<typeof fetch>(() => Promise.resolve(jsonResponse({})));
    vi.stubGlobal('fetch', fetchMock);
    await apiGet('/api/v1/me', () => 1);
    await apiGet('/api/v1/me', () => 1);

    const stored = Object.keys(sessionStorage)
      .map((k) => sessionStorage.getItem(k) ?? '')
      .join('\n');
    expect(stored).not.toContain('secret-token');
    expect(stored).not.toContain(toHex(KEY));

    // "Reload": forget the in-memory session without clearing storage, then restore.
    const saved = Object.keys(sessionStorage).map((k) => [k, sessionStorage.getItem(k) ?? '']);
    endSession(null);
    for (const [k, v] of saved) sessionStorage.setItem(k!, v!);
    expect(getAuthState().session).toBeNull();
    await expect(restoreSession(store)).resolves.toBe(true);
    expect(getAuthState().session?.username).toBe('alice');

    await apiGet('/api/v1/me', () => 1);
    const headers = new Headers(fetchMock.mock.calls.at(-1)![1]!.headers);
    expect(headers.get('authorization')).toBe('Bearer secret-token');
    expect(headers.get('x-pqbank-mac')).toMatch(/ctr=3,/);
  });

  it('drops a copy it cannot decrypt', async () => {
    const s = new AuthSession(INFO, 't', KEY);
    await persistSession(s, new DeviceStore(new MemoryStore()));
    await expect(restoreSession(new DeviceStore(new MemoryStore()))).resolves.toBe(false);
    expect(sessionStorage.length).toBe(0);
  });

  it('clears the copy when the session ends', async () => {
    const s = new AuthSession(INFO, 't', KEY);
    startSession(s);
    await persistSession(s, new DeviceStore(new MemoryStore()));
    expect(sessionStorage.length).toBeGreaterThan(0);
    endSession();
    expect(sessionStorage.length).toBe(0);
  });
});
