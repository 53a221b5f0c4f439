import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
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
    expect(screen.getByText(/Device login arrives with the identity feature/)).toBeInTheDocument();
    await vi.waitFor(() => {
      expect(document.title).toBe('Sign in · pqbank');
    });
  });

  it('does not pretend to sign in', async () => {
    const fetchMock = vi.fn<typeof fetch>();
    vi.stubGlobal('fetch', fetchMock);
    renderApp('/');
    await userEvent.type(screen.getByLabelText('Username'), 'alice');
    await userEvent.type(screen.getByLabelText('Password'), 'secret');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText(/Sign-in is not available yet/)).toBeInTheDocument();
    expect(fetchMock).not.toHaveBeenCalled();
    expect(screen.getByRole('navigation', { name: 'Main' })).toHaveTextContent(
      'Sign in with an enrolled device',
    );
  });
});
