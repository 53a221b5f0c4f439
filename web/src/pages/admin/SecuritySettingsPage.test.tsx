import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { jsonResponse } from '../../test/http';
import { fakeApi } from '../../test/ledgerFixtures';
import { renderApp } from '../../test/render';

const ADMIN = { username: 'root', roles: ['admin'] as const };

const MONITORING = {
  failed_logins_per_address: 10,
  failed_login_window_seconds: 600,
  velocity_max_count: 20,
  velocity_window_seconds: 3600,
  velocity_max_amount: [{ currency: 'EUR', amount: '50000.00' }],
  unusual_amount_factor: 10,
  unusual_min_history: 5,
};

const IDENTITY = {
  lockout_threshold: 5,
  lockout_base_seconds: 30,
  lockout_max_seconds: 3600,
  session_idle_seconds: 900,
  session_absolute_seconds: 43200,
  challenge_ttl_seconds: 120,
  activation_ttl_seconds: 259200,
  mac_skew_seconds: 120,
  login_rate_per_minute: 30,
};

function api(
  put: (body: unknown) => Response,
  identity: () => Response = () => jsonResponse(IDENTITY),
) {
  return fakeApi({
    'GET /api/v1/settings/ledger': () =>
      jsonResponse({
        thresholds: [{ currency: 'EUR', amount: '10000.00' }],
        pending_ttl_seconds: 172800,
      }),
    'GET /api/v1/settings/monitoring': () => jsonResponse(MONITORING),
    'PUT /api/v1/settings/monitoring': put,
    'GET /api/v1/settings/identity': identity,
  });
}

async function monitoringForm() {
  return screen.findByRole('form', { name: 'Monitoring rules' });
}

describe('monitoring rules', () => {
  it('shows the current rules and saves changes', async () => {
    const sent = api((body) => jsonResponse(body));
    renderApp('/admin/security', ADMIN);
    const form = await monitoringForm();
    expect(within(form).getByLabelText('Failed sign-ins per address')).toHaveValue('10');
    expect(within(form).getByText(/now 10 min/)).toBeInTheDocument();
    expect(within(form).getByLabelText('Most sent per window (EUR)')).toHaveValue('50000.00');

    const count = within(form).getByLabelText('Transfers per customer per window');
    await userEvent.clear(count);
    await userEvent.type(count, '30');
    const eur = within(form).getByLabelText('Most sent per window (EUR)');
    await userEvent.clear(eur);
    await userEvent.type(eur, '25,000');
    await userEvent.selectOptions(within(form).getByLabelText('Add a limit for'), 'GBP');
    await userEvent.click(within(form).getByRole('button', { name: 'Add currency' }));
    await userEvent.type(within(form).getByLabelText('Most sent per window (GBP)'), '20000');
    await userEvent.click(within(form).getByRole('button', { name: 'Save monitoring rules' }));

    expect(await within(form).findByText('Monitoring rules saved.')).toBeInTheDocument();
    expect(sent.find((r) => r.method === 'PUT')?.body).toEqual({
      ...MONITORING,
      velocity_max_count: 30,
      velocity_max_amount: [
        { currency: 'EUR', amount: '25000.00' },
        { currency: 'GBP', amount: '20000.00' },
      ],
    });
  });

  it('validates before sending and can remove a currency limit', async () => {
    const sent = api((body) => jsonResponse(body));
    renderApp('/admin/security', ADMIN);
    const form = await monitoringForm();
    const factor = within(form).getByLabelText('Unusual amount factor');
    await userEvent.clear(factor);
    await userEvent.type(factor, '1');
    const window = within(form).getByLabelText('Velocity window (seconds)');
    await userEvent.clear(window);
    await userEvent.type(window, 'an hour');
    await userEvent.click(within(form).getByRole('button', { name: 'Save monitoring rules' }));
    expect(within(form).getByRole('alert')).toHaveTextContent('Check the 2 fields');
    expect(factor).toHaveAttribute('aria-invalid', 'true');
    expect(factor).toHaveAccessibleDescription(/Must be from 2 to 1,000\./);
    expect(window).toHaveAccessibleDescription(/Enter a whole number from 60 to 604,800\./);
    expect(sent.some((r) => r.method === 'PUT')).toBe(false);

    await userEvent.clear(factor);
    await userEvent.type(factor, '5');
    await userEvent.clear(window);
    await userEvent.type(window, '7200');
    await userEvent.click(within(form).getByRole('button', { name: 'Remove the EUR limit' }));
    expect(within(form).getByText(/No amount limits/)).toBeInTheDocument();
    await userEvent.click(within(form).getByRole('button', { name: 'Save monitoring rules' }));
    await vi.waitFor(() => {
      expect(sent.find((r) => r.method === 'PUT')?.body).toEqual({
        ...MONITORING,
        velocity_window_seconds: 7200,
        unusual_amount_factor: 5,
        velocity_max_amount: [],
      });
    });
  });

  it('shows the server refusal', async () => {
    api(() =>
      jsonResponse(
        {
          title: 'Invalid',
          status: 422,
          code: 'invalid',
          detail: 'velocity_max_count: out of range',
        },
        { status: 422 },
        'application/problem+json',
      ),
    );
    renderApp('/admin/security', ADMIN);
    const form = await monitoringForm();
    await userEvent.click(within(form).getByRole('button', { name: 'Save monitoring rules' }));
    const alert = await screen.findByText('velocity_max_count: out of range');
    expect(alert.closest('[role="alert"]')).toHaveTextContent('Saving the monitoring rules');
  });
});

describe('sign-in and sessions', () => {
  async function panel() {
    const title = await screen.findByRole('heading', { name: 'Sign-in and sessions' });
    return title.closest('section')!;
  }

  it('shows the limits in force in words, read-only', async () => {
    const sent = api((body) => jsonResponse(body));
    renderApp('/admin/security', ADMIN);
    const section = await panel();
    const terms = within(section)
      .getAllByRole('term')
      .map((t) => [t.textContent, t.nextElementSibling?.textContent]);
    expect(Object.fromEntries(terms)).toEqual({
      'Account lock': 'after 5 failed sign-ins',
      'Lock duration': '30 seconds at first, doubling with each further failure, up to 1 hour',
      'Session timeout': '15 minutes idle',
      'Session lifetime': '12 hours at most',
      'Sign-in challenge': 'valid for 2 minutes',
      'Activation and reset codes': 'valid for 3 days',
      'Request clock tolerance': '2 minutes either way',
      'Sign-in rate': '30 attempts per minute per client address (per server instance)',
    });
    expect(section).toHaveTextContent(/PQBANK_\* environment variables/);
    expect(within(section).queryByRole('textbox')).toBeNull();
    expect(within(section).queryByRole('button')).toBeNull();
    expect(sent.filter((r) => r.url === '/api/v1/settings/identity')).toHaveLength(1);
    expect(sent.some((r) => r.url === '/api/v1/settings/identity' && r.method !== 'GET')).toBe(
      false,
    );
  });

  it('shows the refusal when the limits cannot be read', async () => {
    api(
      (body) => jsonResponse(body),
      () =>
        jsonResponse(
          { title: 'Forbidden', status: 403, code: 'forbidden', detail: 'admins only' },
          { status: 403 },
          'application/problem+json',
        ),
    );
    renderApp('/admin/security', ADMIN);
    const detail = await screen.findByText('admins only');
    expect(detail.closest('[role="alert"]')).toHaveTextContent(
      'Loading the sign-in and session limits',
    );
    // The other panels still work.
    expect(await monitoringForm()).toBeInTheDocument();
  });
});
