import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { fakeApi } from '../test/ledgerFixtures';
import { renderApp } from '../test/render';

describe('routing', () => {
  it('shows a 404 page for unknown routes', () => {
    renderApp('/no/such/page');
    expect(screen.getByRole('heading', { level: 1, name: 'Page not found' })).toBeInTheDocument();
    expect(screen.getByText('/no/such/page')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Go to the start page' })).toHaveAttribute('href', '/');
  });

  it('asks to sign in before opening a role area', () => {
    renderApp('/admin/ca');
    expect(
      screen.getByRole('heading', { level: 1, name: 'Certificate authority' }),
    ).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Sign-in required' })).toBeInTheDocument();
  });

  it('refuses areas of roles the user does not hold', () => {
    renderApp('/admin/ca', { username: 'carol', roles: ['clerk'] });
    expect(screen.getByRole('heading', { name: 'Not available to you' })).toBeInTheDocument();
    expect(screen.getByRole('banner')).toHaveTextContent('carol');
  });

  it('opens areas of held roles and shows their navigation', () => {
    fakeApi({});
    renderApp('/sessions', { username: 'carol', roles: ['customer'] });
    expect(screen.getByRole('heading', { level: 1, name: 'Sessions' })).toBeInTheDocument();
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(within(nav).getByRole('link', { name: 'Sessions' })).toHaveAttribute(
      'aria-current',
      'page',
    );
  });

  it('toggles the phone menu and closes it after navigating', async () => {
    renderApp('/');
    const button = screen.getByRole('button', { name: 'Open menu' });
    expect(button).toHaveAttribute('aria-expanded', 'false');
    await userEvent.click(button);
    expect(screen.getByRole('button', { name: 'Close menu', expanded: true })).toBeInTheDocument();
    const nav = screen.getByRole('navigation', { name: 'Main' });
    await userEvent.click(within(nav).getByRole('link', { name: 'System status' }));
    expect(screen.getByRole('heading', { level: 1, name: 'System status' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Open menu' })).toHaveAttribute(
      'aria-expanded',
      'false',
    );
    expect(document.activeElement).toBe(screen.getByRole('main'));
  });
});
