import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeviceStore, MemoryStore, setDeviceStoreForTests } from '../../auth/deviceStore';
import { compositeKeyFromPrivate } from '../../crypto/composite';
import { jsonResponse } from '../../test/http';
import { fakeApi } from '../../test/ledgerFixtures';
import { renderApp } from '../../test/render';

const CUSTOMER = { username: 'alice', roles: ['customer'] as const };
const USER = 'usr_alice';
const PEM = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';

const noContent = () => new Response(null, { status: 204 });

const me = () =>
  jsonResponse({
    user: {
      id: USER,
      username: 'alice',
      roles: ['customer'],
      branch: null,
      status: 'active',
      legal_name: 'Alice',
      email: 'alice@example.com',
      created_at: '2026-11-01T08:00:00Z',
    },
    session_id: 'ses_here',
    device_id: 'dev_browser',
    device_cert_serial: '0a01',
  });

function cert(serial: string, device: string, extra: Record<string, unknown> = {}) {
  return {
    serial,
    user_id: USER,
    device_id: device,
    usage: 'signature',
    status: 'valid',
    superseded_by: null,
    not_after: '2027-11-29T00:00:00Z',
    created_at: '2026-11-01T08:00:00Z',
    pem: PEM,
    ...extra,
  };
}

function devicesApi(extra: Record<string, (body: unknown) => Response> = {}) {
  return fakeApi({
    'GET /api/v1/me': me,
    [`GET /api/v1/users/${USER}/devices`]: () =>
      jsonResponse([
        {
          id: 'dev_phone',
          name: 'Phone',
          status: 'active',
          created_at: '2026-11-20T08:00:00Z',
          certificates: [
            {
              serial: '0b01',
              usage: 'signature',
              status: 'valid',
              not_after: '2027-11-29T00:00:00Z',
            },
          ],
        },
        {
          id: 'dev_browser',
          name: 'Firefox on Linux',
          status: 'active',
          created_at: '2026-11-01T08:00:00Z',
          certificates: [
            {
              serial: '0a01',
              usage: 'signature',
              status: 'valid',
              not_after: '2027-11-01T00:00:00Z',
            },
          ],
        },
        {
          id: 'dev_old',
          name: 'Old laptop',
          status: 'removed',
          created_at: '2026-10-01T08:00:00Z',
          certificates: [],
        },
      ]),
    'GET /api/v1/certificates': () =>
      jsonResponse([cert('0a01', 'dev_browser'), cert('0b01', 'dev_phone')]),
    ...extra,
  });
}

afterEach(() => {
  setDeviceStoreForTests(null);
  vi.unstubAllGlobals();
});

describe('devices and certificates', () => {
  it('lists devices with this browser first and removed ones hidden', async () => {
    devicesApi();
    renderApp('/devices', CUSTOMER);
    const list = await screen.findByRole('list', { name: 'Your devices' });
    const cards = within(list).getAllByTestId('device');
    expect(cards.map((c) => c.getAttribute('data-device'))).toEqual(['dev_browser', 'dev_phone']);
    expect(within(cards[0]!).getByText('This browser')).toBeInTheDocument();
    expect(within(cards[1]!).queryByText('This browser')).toBeNull();
    expect(within(cards[0]!).getByText('(this sign-in)')).toBeInTheDocument();
    // Renewal is offered for this browser's certificate only.
    expect(within(cards[0]!).getByRole('button', { name: 'Renew' })).toBeInTheDocument();
    expect(within(cards[1]!).queryByRole('button', { name: 'Renew' })).toBeNull();
    expect(screen.queryByText('Old laptop')).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Show' }));
    expect(screen.getByText('Old laptop')).toBeInTheDocument();
  });

  it('removes another device after confirmation', async () => {
    const sent = devicesApi({ 'DELETE /api/v1/devices/dev_phone': noContent });
    renderApp('/devices', CUSTOMER);
    const list = await screen.findByRole('list', { name: 'Your devices' });
    const phone = within(list).getAllByTestId('device')[1]!;
    await userEvent.click(within(phone).getByRole('button', { name: 'Remove device' }));
    const dialog = within(phone).getByRole('alertdialog');
    expect(dialog).toHaveTextContent('Remove “Phone”?');
    expect(sent.some((r) => r.method === 'DELETE')).toBe(false);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Remove device' }));
    await vi.waitFor(() => {
      expect(sent.some((r) => r.method === 'DELETE' && r.url === '/api/v1/devices/dev_phone')).toBe(
        true,
      );
    });
  });

  it('revokes a certificate with a reason, or backs out', async () => {
    const sent = devicesApi({ 'POST /api/v1/certificates/0b01/revoke': noContent });
    renderApp('/devices', CUSTOMER);
    const row = (await screen.findAllByRole('row')).find(
      (r) => r.getAttribute('data-serial') === '0b01',
    )!;
    await userEvent.click(within(row).getByRole('button', { name: 'Revoke' }));
    await userEvent.click(within(row).getByRole('button', { name: 'Cancel' }));
    expect(sent.some((r) => r.method === 'POST')).toBe(false);
    await userEvent.selectOptions(
      within(row).getByLabelText('Reason for revoking 0b01'),
      'Key compromise',
    );
    await userEvent.click(within(row).getByRole('button', { name: 'Revoke' }));
    await userEvent.click(within(row).getByRole('button', { name: 'Revoke certificate' }));
    await vi.waitFor(() => {
      expect(sent.find((r) => r.method === 'POST')?.body).toEqual({ reason: 1 });
    });
  });

  it('downloads a certificate as PEM', async () => {
    devicesApi();
    const created: Blob[] = [];
    const createObjectURL = vi.fn((b: Blob) => {
      created.push(b);
      return 'blob:pem';
    });
    const saved = Object.getOwnPropertyDescriptors(URL);
    Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() });
    try {
      renderApp('/devices', CUSTOMER);
      await userEvent.click(await screen.findByRole('button', { name: 'Download PEM of 0a01' }));
    } finally {
      Object.defineProperties(URL, saved);
    }
    expect(createObjectURL).toHaveBeenCalledTimes(1);
    expect(await created[0]!.text()).toBe(PEM);
  });

  it('renews this browser’s certificate and stores the new serial', async () => {
    const store = new DeviceStore(new MemoryStore());
    await store.save('alice', compositeKeyFromPrivate(new Uint8Array(64).fill(3)), {
      userId: USER,
      deviceId: 'dev_browser',
      certSerial: '0a01',
      certPem: PEM,
    });
    setDeviceStoreForTests(store);
    const sent = devicesApi({
      'POST /api/v1/certificates/0a01/renew': () =>
        jsonResponse(
          { serial: '0a02', not_after: '2028-01-01T00:00:00Z', pem: PEM },
          { status: 201 },
        ),
    });
    renderApp('/devices', CUSTOMER);
    await userEvent.click(await screen.findByRole('button', { name: 'Renew' }));
    expect(
      await screen.findByText(/This browser uses it from your next sign-in/),
    ).toHaveTextContent('Renewed: new certificate 0a02');
    expect(sent.find((r) => r.url.endsWith('/renew'))?.body).toEqual({});
    expect((await store.list())[0]?.certSerial).toBe('0a02');
  });

  it('shows the problem when the devices cannot be loaded', async () => {
    fakeApi({ 'GET /api/v1/me': me });
    renderApp('/devices', CUSTOMER);
    expect(await screen.findByRole('alert')).toHaveTextContent('Loading your devices');
  });
});

describe('sessions', () => {
  function sessionsApi(extra: Record<string, (body: unknown) => Response> = {}) {
    const session = (id: string, device: string, current: boolean, active = true) => ({
      id,
      device_id: device,
      created_at: '2026-11-29T08:00:00Z',
      last_seen_at: current ? '2026-11-29T10:00:00Z' : '2026-11-29T09:00:00Z',
      expires_at: '2026-11-29T20:00:00Z',
      active,
      current,
      client_addr: '192.0.2.7',
      user_agent: 'Mozilla/5.0',
    });
    return fakeApi({
      'GET /api/v1/me': me,
      [`GET /api/v1/users/${USER}/sessions`]: () =>
        jsonResponse([
          session('ses_phone', 'dev_phone', false),
          session('ses_here', 'dev_browser', true),
          session('ses_gone', 'dev_phone', false, false),
        ]),
      [`GET /api/v1/users/${USER}/devices`]: () =>
        jsonResponse([
          {
            id: 'dev_phone',
            name: 'Phone',
            status: 'active',
            created_at: '2026-11-20T08:00:00Z',
            certificates: [],
          },
        ]),
      ...extra,
    });
  }

  it('marks the current session and signs out another after confirmation', async () => {
    const sent = sessionsApi({ [`DELETE /api/v1/users/${USER}/sessions/ses_phone`]: noContent });
    renderApp('/sessions', CUSTOMER);
    const table = await screen.findByTestId('sessions');
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.getAttribute('data-session'))).toEqual(['ses_here', 'ses_phone']);
    expect(within(rows[0]!).getByText('This session')).toBeInTheDocument();
    expect(within(rows[0]!).queryByRole('button', { name: 'Sign out' })).toBeNull();
    expect(within(rows[1]!).getByText('Phone')).toBeInTheDocument();
    expect(screen.getByText('You are signed in here and in 1 other session.')).toBeInTheDocument();

    await userEvent.click(within(rows[1]!).getByRole('button', { name: 'Sign out' }));
    expect(within(rows[1]!).getByRole('alertdialog')).toHaveTextContent(
      'Sign out the session on Phone',
    );
    await userEvent.click(within(rows[1]!).getByRole('button', { name: 'Sign out session' }));
    await vi.waitFor(() => {
      expect(sent.some((r) => r.method === 'DELETE' && r.url.endsWith('/ses_phone'))).toBe(true);
    });
  });

  it('shows a refused revocation', async () => {
    sessionsApi({
      [`DELETE /api/v1/users/${USER}/sessions/ses_phone`]: () =>
        jsonResponse(
          { title: 'Not found', status: 404, code: 'not_found' },
          { status: 404 },
          'application/problem+json',
        ),
    });
    renderApp('/sessions', CUSTOMER);
    const table = await screen.findByTestId('sessions');
    const row = within(table).getAllByRole('row')[2]!;
    await userEvent.click(within(row).getByRole('button', { name: 'Sign out' }));
    await userEvent.click(within(row).getByRole('button', { name: 'Sign out session' }));
    expect(await within(row).findByRole('alert')).toHaveTextContent('Signing out the session');
  });
});
