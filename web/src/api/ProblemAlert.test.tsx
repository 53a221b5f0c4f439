import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ProblemError } from './client';
import { ProblemAlert } from './ProblemAlert';

describe('ProblemAlert', () => {
  it('shows title, detail, status, code and request id', () => {
    const error = new ProblemError({
      type: 'about:blank',
      title: 'Insufficient funds',
      status: 422,
      detail: 'The transfer needs 25.00 EUR more.',
      code: 'insufficient_funds',
      request_id: 'req-7',
      extensions: {},
    });
    render(<ProblemAlert error={error} context="Sending the transfer" />);
    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent('Sending the transfer');
    expect(alert).toHaveTextContent('Insufficient funds');
    expect(alert).toHaveTextContent('The transfer needs 25.00 EUR more.');
    expect(alert).toHaveTextContent('422');
    expect(alert).toHaveTextContent('insufficient_funds');
    expect(alert).toHaveTextContent('req-7');
  });

  it('shows plain errors too, and offers a retry', async () => {
    const onRetry = vi.fn();
    render(<ProblemAlert error={new Error('boom')} onRetry={onRetry} />);
    expect(screen.getByRole('alert')).toHaveTextContent('Something went wrong');
    expect(screen.getByRole('alert')).toHaveTextContent('boom');
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(onRetry).toHaveBeenCalledOnce();
  });
});
