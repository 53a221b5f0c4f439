import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { jsonResponse } from '../test/http';
import { fakeApi } from '../test/ledgerFixtures';
import { renderApp } from '../test/render';

function nav() {
  return screen.getByRole('navigation', { name: 'Main' });
}

describe('navigation and access per role', () => {
  it.each([
    ['customer', ['Accounts', 'Transfers'], ['Approvals', 'Cash desk']],
    ['clerk', ['Onboarding', 'Customers', 'Cash desk'], ['Approvals', 'Transfers']],
    ['manager', ['Approvals', 'Accounts', 'Reports'], ['Cash desk', 'Transfers']],
  ] as const)('%s sees their links only', (role, shown, hidden) => {
    fakeApi({});
    renderApp('/', { username: 'u', roles: [role] });
    for (const name of shown) expect(within(nav()).getByRole('link', { name })).toBeInTheDocument();
    for (const name of hidden) expect(within(nav()).queryByRole('link', { name })).toBeNull();
  });

  it.each([
    ['/transfers/new', ['clerk']],
    ['/transfers/bulk', ['manager']],
    ['/manager/approvals', ['customer']],
    ['/manager/reports', ['clerk']],
    ['/clerk/cash-desk', ['manager']],
    ['/clerk/onboarding', ['customer']],
  ] as const)('%s is refused to %j without calling the API', async (path, roles) => {
    const sent = fakeApi({});
    renderApp(path, { username: 'u', roles: [...roles] });
    expect(
      await screen.findByRole('heading', { name: 'Not available to you' }, { timeout: 8000 }),
    ).toBeInTheDocument();
    expect(sent).toHaveLength(0);
  });

  it('asks to sign in on ledger pages when signed out', () => {
    renderApp('/accounts', null);
    expect(screen.getByRole('heading', { name: 'Sign-in required' })).toBeInTheDocument();
  });

  it('opens the cash desk for clerks', async () => {
    fakeApi({
      'GET /api/v1/cash/accounts': () => jsonResponse({ items: [], next: null }),
    });
    renderApp('/clerk/cash-desk', { username: 'c', roles: ['clerk'] });
    expect(await screen.findByLabelText('Customer account number')).toBeInTheDocument();
    expect(screen.getByRole('radio', { name: 'Deposit (cash in)' })).toBeChecked();
  });
});
