import { screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { jsonResponse } from '../../test/http';
import { renderApp } from '../../test/render';

const OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'pqbank API', version: '0.3.0' },
  paths: { '/healthz': {}, '/readyz': {}, '/api/v1/openapi.json': {}, '/api/v1/accounts': {} },
};

function serve(routes: Record<string, () => Response>) {
  vi.stubGlobal(
    'fetch',
    vi.fn<typeof fetch>().mockImplementation((input) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const route = routes[url];
      return route ? Promise.resolve(route()) : Promise.reject(new TypeError('offline'));
    }),
  );
}

function card(name: string) {
  return screen.getByRole('region', { name });
}

describe('status page', () => {
  it('shows healthy checks and the API description', async () => {
    serve({
      '/healthz': () => jsonResponse({ status: 'ok' }),
      '/readyz': () => jsonResponse({ status: 'ok', database: 'sqlite' }),
      '/api/v1/openapi.json': () => jsonResponse(OPENAPI),
    });
    renderApp('/status');
    expect(await screen.findByText('All systems operational')).toBeInTheDocument();
    expect(within(card('Liveness')).getByText('OK')).toBeInTheDocument();
    expect(within(card('Readiness')).getByText('sqlite')).toBeInTheDocument();
    expect(within(card('API')).getByTestId('api-version')).toHaveTextContent('0.3.0');
    expect(within(card('API')).getByTestId('api-paths')).toHaveTextContent('4');
    expect(document.title).toBe('System status · pqbank');
  });

  it('shows problems when checks fail', async () => {
    serve({
      '/healthz': () => jsonResponse({ status: 'ok' }),
      '/readyz': () =>
        jsonResponse(
          {
            title: 'Database unavailable',
            status: 503,
            code: 'unavailable',
            request_id: 'req-503',
          },
          { status: 503 },
          'application/problem+json',
        ),
      '/api/v1/openapi.json': () => new Response('not found', { status: 404 }),
    });
    renderApp('/status');
    expect(await screen.findByText('Some checks need attention')).toBeInTheDocument();
    const ready = card('Readiness');
    expect(within(ready).getByText('Failing')).toBeInTheDocument();
    expect(within(ready).getByRole('alert')).toHaveTextContent('Database unavailable');
    expect(within(ready).getByRole('alert')).toHaveTextContent('req-503');
    expect(await within(card('API')).findByRole('alert')).toHaveTextContent('404');
  });

  it('says when the server cannot be reached', async () => {
    serve({});
    renderApp('/status');
    expect(await screen.findByText('The server is not answering')).toBeInTheDocument();
    expect(within(card('Liveness')).getByRole('alert')).toHaveTextContent(
      'Cannot reach the server',
    );
  });
});
