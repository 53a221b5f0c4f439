import { render, screen, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { describe, expect, it } from 'vitest';
import type { Role } from '../navigation/roles';
import { Sidebar } from './Sidebar';

function renderSidebar(roles: Role[], path = '/') {
  render(
    <MemoryRouter initialEntries={[path]}>
      <Sidebar roles={roles} />
    </MemoryRouter>,
  );
  return screen.getByRole('navigation', { name: 'Main' });
}

function linkNames(nav: HTMLElement): string[] {
  return within(nav)
    .getAllByRole('link')
    .map((link) => link.textContent);
}

describe('Sidebar', () => {
  it('shows only public links and a sign-in hint when signed out', () => {
    const nav = renderSidebar([]);
    expect(linkNames(nav)).toEqual(['Home', 'System status']);
    expect(nav).toHaveTextContent('Sign in with an enrolled device');
  });

  it('shows the customer links for a customer', () => {
    const nav = renderSidebar(['customer']);
    expect(linkNames(nav)).toEqual([
      'Home',
      'System status',
      'Accounts',
      'Transfers',
      'Devices & certificates',
      'Sessions',
      'My activity',
    ]);
    expect(within(nav).queryByText('Cash desk')).toBeNull();
  });

  it('labels one section per role held', () => {
    const nav = renderSidebar(['manager', 'auditor']);
    const manager = within(nav).getByRole('region', { name: 'Management' });
    const audit = within(nav).getByRole('region', { name: 'Audit' });
    expect(linkNames(manager)).toEqual(['Approvals', 'Accounts', 'Reports']);
    expect(linkNames(audit)).toEqual(['Audit log', 'Alerts', 'Checkpoints']);
    expect(within(nav).queryByRole('region', { name: 'Administration' })).toBeNull();
  });

  it('shows every section to a user with all roles', () => {
    const nav = renderSidebar(['customer', 'clerk', 'manager', 'auditor', 'admin']);
    expect(
      within(nav)
        .getAllByRole('heading')
        .map((h) => h.textContent),
    ).toEqual(['My banking', 'Branch', 'Management', 'Audit', 'Administration']);
    expect(within(nav).getByRole('link', { name: 'CA' })).toHaveAttribute('href', '/admin/ca');
  });

  it('marks the current page', () => {
    const nav = renderSidebar(['clerk'], '/clerk/cash-desk');
    expect(within(nav).getByRole('link', { name: 'Cash desk' })).toHaveAttribute(
      'aria-current',
      'page',
    );
    expect(within(nav).getByRole('link', { name: 'Home' })).not.toHaveAttribute('aria-current');
  });
});
