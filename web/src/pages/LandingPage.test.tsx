import { screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { renderApp } from '../test/render';

describe('landing page', () => {
  it('renders the shell, the pitch and the sign-in form', async () => {
    renderApp('/');
    expect(
      screen.getByRole('heading', { level: 1, name: /stays secure after the quantum computer/ }),
    ).toBeInTheDocument();
    expect(screen.getByRole('banner')).toHaveTextContent('pqbank');
    expect(screen.getByRole('banner')).toHaveTextContent('quantum-safe');
    expect(screen.getByRole('navigation', { name: 'Main' })).toBeInTheDocument();
    expect(screen.getByLabelText('Username')).toHaveAttribute('autocomplete', 'username');
    expect(screen.getByLabelText('Password')).toHaveAttribute('type', 'password');
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Register this browser' })).toHaveAttribute(
      'href',
      '/register',
    );
    expect(screen.getByRole('link', { name: 'Activate your account' })).toHaveAttribute(
      'href',
      '/activate',
    );
    expect(screen.getByRole('navigation', { name: 'Main' })).toHaveTextContent(
      'Sign in with an enrolled device',
    );
    await vi.waitFor(() => {
      expect(document.title).toBe('Sign in · pqbank');
    });
  });
});
