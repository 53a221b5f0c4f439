import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiGet, apiPost, isProblemError } from '../api/client';
import { utf8 } from '../crypto/bytes';
import { macHeader } from '../crypto/session';
import { jsonResponse } from '../test/http';
import { AuthSession, endSession, getAuthState, startSession } from './authSession';

const KEY = new Uint8Array(32).fill(3);
const NOW = 1_795_000_000_000;

function session(clockOffsetSecs = 0) {
  return new AuthSession(
    {
      username: 'alice',
      userId: 'u1',
      sessionId: 's1',
      roles: ['customer'],
      expiresAt: '2030-01-01T00:00:00Z',
      idleTimeoutSecs: 900,
      deviceCertSerial: '0a',
    },
    'tok',
    KEY,
    { clockOffsetSecs, now: () => NOW },
  );
}

afterEach(() => {
  endSession(null);
});

describe('authenticated requests', () => {
  it('adds token and MAC over exactly the sent body, path and query', async () => {
    const fetchMock = vi.fn<typeof fetch>(() => Promise.resolve(jsonResponse({ ok: true })));
    vi.stubGlobal('fetch', fetchMock);
    startSession(session(5));
    await apiPost('/api/v1/transfers?dry_run=true&q=a b', { amount: '1', ref: 'Zoë' }, () => 1);
    const [, init] = fetchMock.mock.calls[0]!;
    const headers = new Headers(init!.headers);
    expect(headers.get('authorization')).toBe('Bearer tok');
    expect(init!.body).toBe('{"amount":"1","ref":"Zoë"}');
    expect(headers.get('x-pqbank-mac')).toBe(
      macHeader(
        KEY,
        'POST',
        '/api/v1/transfers?dry_run=true&q=a%20b',
        utf8('{"amount":"1","ref":"Zoë"}'),
        NOW / 1000 + 5,
        1,
      ),
    );
  });

  it('does not authenticate public calls or non-API paths', async () => {
    const fetchMock = vi.fn<typeof fetch>(() => Promise.resolve(jsonResponse({})));
    vi.stubGlobal('fetch', fetchMock);
    startSession(session());
    await apiPost('/api/v1/auth/challenge', {}, () => 1, { anonymous: true });
    await apiGet('/healthz', () => 1);
    for (const [, init] of fetchMock.mock.calls) {
      expect(new Headers(init!.headers).has('x-pqbank-mac')).toBe(false);
      expect(new Headers(init!.headers).has('authorization')).toBe(false);
    }
  });

  it('sends one request at a time so counters arrive in order', async () => {
    const resolvers: ((r: Response) => void)[] = [];
    const fetchMock = vi.fn<typeof fetch>(
      () =>
        new Promise<Response>((resolve) => {
          resolvers.push(resolve);
        }),
    );
    vi.stubGlobal('fetch', fetchMock);
    startSession(session());
    const a = apiGet('/api/v1/a', () => 'a');
    const b = apiGet('/api/v1/b', () => 'b');
    await vi.waitFor(() => {
      expect(fetchMock).toHaveBeenCalledTimes(1);
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(fetchMock).toHaveBeenCalledTimes(1); // b waits for a's response
    resolvers[0]!(jsonResponse({}));
    await vi.waitFor(() => {
      expect(fetchMock).toHaveBeenCalledTimes(2);
    });
    resolvers[1]!(jsonResponse({}));
    await expect(Promise.all([a, b])).resolves.toEqual(['a', 'b']);
    const counters = fetchMock.mock.calls.map(
      ([, init]) => /ctr=(\d+)/.exec(new Headers(init!.headers).get('x-pqbank-mac') ?? '')?.[1],
    );
    expect(counters).toEqual(['1', '2']);
  });

  it.each(['session_expired', 'device_revoked', 'account_disabled'])(
    'ends the session on %s',
    async (code) => {
      vi.stubGlobal(
        'fetch',
        vi.fn<typeof fetch>(() =>
          Promise.resolve(
            jsonResponse(
              { title: 'no', status: 401, code, detail: 'because' },
              { status: 401 },
              'application/problem+json',
            ),
          ),
        ),
      );
      startSession(session());
      const error: unknown = await apiGet('/api/v1/me', () => 1).catch((e: unknown) => e);
      expect(isProblemError(error) && error.code).toBe(code);
      expect(getAuthState()).toEqual({ session: null, ended: { code, detail: 'because' } });
    },
  );

  it('keeps the session on other refusals', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn<typeof fetch>(() =>
        Promise.resolve(
          jsonResponse(
            { title: 'no', status: 403, code: 'forbidden' },
            { status: 403 },
            'application/problem+json',
          ),
        ),
      ),
    );
    startSession(session());
    await apiGet('/api/v1/users', () => 1).catch(() => undefined);
    expect(getAuthState().session?.username).toBe('alice');
  });
});
