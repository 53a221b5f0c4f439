import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeviceStore, MemoryStore, setDeviceStoreForTests } from '../../auth/deviceStore';
import { jsonResponse } from '../../test/http';
import { renderApp } from '../../test/render';

afterEach(() => {
  setDeviceStoreForTests(null);
});

function enrolledResponse() {
  return jsonResponse(
    {
      user: {
        id: 'u1',
        username: 'zoe',
        roles: ['customer'],
        branch: null,
        status: 'active',
        legal_name: 'Zoë Example',
        email: 'zoe@example.org',
        created_at: '2026-01-01T00:00:00Z',
      },
      device_id: 'd1',
      certificate_serial: '0abc',
      certificate_pem: '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n',
      not_after: '2027-01-01T00:00:00Z',
    },
    { status: 201 },
  );
}

describe('registration', () => {
  it('validates before sending', async () => {
    const fetchMock = vi.fn<typeof fetch>();
    vi.stubGlobal('fetch', fetchMock);
    renderApp('/register');
    await userEvent.type(screen.getByLabelText('Password'), 'short');
    await userEvent.click(screen.getByRole('button', { name: /Register and enrol/ }));
    expect(await screen.findByText('Use at least 12 characters.')).toBeInTheDocument();
    expect(screen.getByText('Use 3 to 32 characters.')).toBeInTheDocument();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('sends a CSR, never the private key, and stores the enrolled device', async () => {
    const store = new DeviceStore(new MemoryStore());
    setDeviceStoreForTests(store);
    const fetchMock = vi.fn<typeof fetch>(() => Promise.resolve(enrolledResponse()));
    vi.stubGlobal('fetch', fetchMock);
    renderApp('/register');
    await userEvent.type(screen.getByLabelText('Username'), 'zoe');
    await userEvent.type(screen.getByLabelText('Password'), 'a long password 1');
    await userEvent.type(screen.getByLabelText('Full legal name'), 'Zoë Example');
    await userEvent.type(screen.getByLabelText('Email'), 'zoe@example.org');
    await userEvent.click(screen.getByRole('button', { name: /Register and enrol/ }));
    expect(
      await screen.findByText('This browser is now a device of zoe.', {}, { timeout: 5000 }),
    ).toBeInTheDocument();

    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe('/api/v1/auth/register');
    const body = JSON.parse(init!.body as string) as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual([
      'csr_pem',
      'device_name',
      'email',
      'legal_name',
      'password',
      'username',
    ]);
    expect(body.csr_pem).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----\n/);
    expect(body.device_name).not.toBe('');

    const device = await store.load('zoe');
    expect(device?.enrollment).toEqual({
      userId: 'u1',
      deviceId: 'd1',
      certSerial: '0abc',
      certPem: '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n',
      notAfter: '2027-01-01T00:00:00Z',
    });
    // The private key (either seed) is not in what was sent.
    const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    expect(init!.body as string).not.toContain(hex(device!.key.privateKey.subarray(0, 32)));
  });

  it('shows a refusal clearly', async () => {
    setDeviceStoreForTests(new DeviceStore(new MemoryStore()));
    vi.stubGlobal(
      'fetch',
      vi.fn<typeof fetch>(() =>
        Promise.resolve(
          jsonResponse(
            { title: 'Conflict', status: 409, code: 'conflict', detail: 'username taken' },
            { status: 409 },
            'application/problem+json',
          ),
        ),
      ),
    );
    renderApp('/activate');
    await userEvent.type(screen.getByLabelText('Username'), 'zoe');
    await userEvent.type(screen.getByLabelText('One-time code'), 'ABCD-EFGH');
    await userEvent.type(screen.getByLabelText('New password'), 'a long password 1');
    await userEvent.click(screen.getByRole('button', { name: /Activate and enrol/ }));
    expect(await screen.findByText(/username taken/, {}, { timeout: 5000 })).toBeInTheDocument();
  });
});
