import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fromBase64Url, toBase64Url, utf8 } from '../crypto/bytes';
import { compositeKeyFromPrivate, compositeVerify } from '../crypto/composite';
import { deriveSessionKey, macHeader } from '../crypto/session';
import { LOGIN_SIGNATURE_CONTEXT, transcriptCanonicalBytes } from '../crypto/transcript';
import { xwingEncapsulate } from '../crypto/xwing';
import { jsonResponse } from '../test/http';
import { renderApp } from '../test/render';
import { endSession, getAuthState } from './authSession';
import { DeviceStore, MemoryStore, setDeviceStoreForTests } from './deviceStore';

const SERIAL = '5b7e0c2d9a1f4e3b8c6d0a2f4e6b8d0c';
const NONCE = 'ab'.repeat(32);
const key = compositeKeyFromPrivate(new Uint8Array(64).fill(9));

function problem(status: number, code: string, detail: string) {
  return jsonResponse(
    { type: 'about:blank', title: 'Refused', status, code, detail },
    { status },
    'application/problem+json',
  );
}

interface Sent {
  url: string;
  init: RequestInit;
  body: Record<string, unknown>;
}

/** A fake server: challenge, login (checks the device signature), /me. */
function fakeServer(options: { login?: () => Response } = {}) {
  const sent: Sent[] = [];
  let sessionKey: Uint8Array | null = null;
  const fetchMock = vi.fn<typeof fetch>((input, init = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const body =
      typeof init.body === 'string' ? (JSON.parse(init.body) as Record<string, unknown>) : {};
    sent.push({ url, init, body });
    if (url === '/api/v1/auth/challenge') {
      return Promise.resolve(jsonResponse({ nonce: NONCE, expires_at: '2030-01-01T00:00:00Z' }));
    }
    if (url === '/api/v1/auth/login') {
      if (options.login) return Promise.resolve(options.login());
      const t = body.transcript as Parameters<typeof transcriptCanonicalBytes>[0];
      const canonical = transcriptCanonicalBytes(t);
      const ok = compositeVerify(
        key.publicKey,
        canonical,
        LOGIN_SIGNATURE_CONTEXT,
        fromBase64Url(body.signature as string),
      );
      if (!ok) return Promise.resolve(problem(401, 'bad_device_signature', 'bad'));
      const enc = xwingEncapsulate(fromBase64Url(t.client_kem_public_key));
      sessionKey = deriveSessionKey(enc.sharedSecret, canonical);
      return Promise.resolve(
        jsonResponse({
          token: 'tok',
          session_id: 'sess',
          kem_ciphertext: toBase64Url(enc.ciphertext),
          expires_at: '2030-01-01T00:00:00Z',
          idle_timeout_secs: 900,
          user_id: 'u1',
          roles: ['customer'],
        }),
      );
    }
    if (url === '/api/v1/auth/logout') return Promise.resolve(new Response(null, { status: 204 }));
    return Promise.resolve(problem(404, 'not_found', 'none'));
  });
  vi.stubGlobal('fetch', fetchMock);
  return { sent, sessionKey: () => sessionKey };
}

beforeEach(async () => {
  const store = new DeviceStore(new MemoryStore());
  await store.save('alice', key, {
    userId: 'u1',
    deviceId: 'd1',
    certSerial: SERIAL,
    certPem: '',
  });
  setDeviceStoreForTests(store);
});

afterEach(() => {
  endSession(null);
  setDeviceStoreForTests(null);
});

function authenticatedCount(sent: readonly Sent[]): number {
  return sent.filter((s) => new Headers(s.init.headers).has('authorization')).length;
}

async function signIn(username: string, password: string) {
  await userEvent.type(screen.getByLabelText('Username'), username);
  await userEvent.type(screen.getByLabelText('Password'), password);
  await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe('login form', () => {
  it('asks for both fields without sending anything', async () => {
    const server = fakeServer();
    renderApp('/');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('Enter your username and password.')).toBeInTheDocument();
    expect(screen.getByLabelText('Username')).toHaveAttribute('aria-invalid', 'true');
    expect(server.sent).toHaveLength(0);
  });

  it('signs the challenge with the device key and starts a MAC-authenticated session', async () => {
    const server = fakeServer();
    const { router } = renderApp('/');
    await signIn('alice', 'correct horse battery');
    await waitFor(() => {
      expect(router.state.location.pathname).toBe('/accounts');
    });
    expect(getAuthState().session?.username).toBe('alice');
    expect(screen.getByRole('banner')).toHaveTextContent('alice');

    const [challenge, login] = server.sent;
    expect(challenge!.body).toEqual({
      username: 'alice',
      device_cert_serial: SERIAL,
      origin: window.location.origin,
    });
    expect(login!.body.password).toBe('correct horse battery');
    // No private key material in any request.
    const all = server.sent.map((s) => JSON.stringify(s.body)).join('\n');
    expect(all).not.toContain(toBase64Url(key.privateKey));
    expect(all).not.toContain(toBase64Url(key.privateKey.subarray(0, 32)));
    // Public routes go without a token.
    expect(new Headers(login!.init.headers).has('authorization')).toBe(false);

    // The next API request carries the bearer token and a MAC under the derived key.
    vi.spyOn(Date, 'now').mockReturnValue(1_795_000_000_000);
    const { apiGet } = await import('../api/client');
    await apiGet('/api/v1/me?x=1', () => null).catch(() => undefined);
    const me = server.sent.at(-1)!;
    const headers = new Headers(me.init.headers);
    expect(headers.get('authorization')).toBe('Bearer tok');
    // The landing page (accounts) may have sent authenticated requests already: the counter
    // numbers every authenticated request of the session from 1.
    const counter = authenticatedCount(server.sent);
    expect(headers.get('x-pqbank-mac')).toBe(
      macHeader(server.sessionKey()!, 'GET', '/api/v1/me?x=1', utf8(''), 1_795_000_000, counter),
    );
  });

  it('shows the signed-in state and signs out with an authenticated request', async () => {
    const server = fakeServer();
    const { router } = renderApp('/');
    await signIn('alice', 'correct horse battery');
    await waitFor(() => {
      expect(router.state.location.pathname).toBe('/accounts');
    });
    await act(() => router.navigate('/'));
    expect(await screen.findByText(/You are signed in as/)).toHaveTextContent('alice');
    await userEvent.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(await screen.findByText('You signed out.')).toBeInTheDocument();
    const logout = server.sent.at(-1)!;
    expect(logout.url).toBe('/api/v1/auth/logout');
    expect(new Headers(logout.init.headers).get('x-pqbank-mac')).toMatch(
      new RegExp(`^v1 ts=\\d+,ctr=${authenticatedCount(server.sent)},mac=`),
    );
    expect(getAuthState().session).toBeNull();
  });

  it('explains a locked account', async () => {
    fakeServer({
      login: () =>
        problem(423, 'account_locked', 'Too many failed logins. Try again after 2030-01-01.'),
    });
    renderApp('/');
    await signIn('alice', 'wrong password!!');
    expect(
      await screen.findByText('This account is locked after too many failed sign-ins.'),
    ).toBeInTheDocument();
    expect(screen.getByText(/Try again after 2030-01-01/)).toBeInTheDocument();
    expect(screen.getByLabelText('Password')).toHaveValue('');
    expect(getAuthState().session).toBeNull();
  });

  it('explains a revoked device', async () => {
    fakeServer({ login: () => problem(403, 'device_revoked', 'device certificate revoked') });
    renderApp('/');
    await signIn('alice', 'correct horse battery');
    expect(
      await screen.findByText("This browser's device certificate has been revoked."),
    ).toBeInTheDocument();
  });

  it('says when this browser holds no key for the user', async () => {
    const server = fakeServer();
    renderApp('/');
    await signIn('bob', 'correct horse battery');
    expect(
      await screen.findByText('This browser is not enrolled for this account.'),
    ).toBeInTheDocument();
    expect(server.sent).toHaveLength(0);
  });

  it('shows why the last session ended', async () => {
    fakeServer();
    endSession({ code: 'session_expired' });
    renderApp('/');
    expect(await screen.findByText('Your session expired.')).toBeInTheDocument();
  });
});
