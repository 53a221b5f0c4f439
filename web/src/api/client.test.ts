// @vitest-environment node
import { describe, expect, it, vi } from 'vitest';
import { jsonResponse } from '../test/http';
import {
  apiGet,
  apiRequest,
  CLIENT_ERROR_CODES,
  isProblemError,
  parseProblem,
  ProblemError,
  problemFromResponse,
} from './client';

const PROBLEM = 'application/problem+json';
const identity = (json: unknown) => json;

async function caught(promise: Promise<unknown>): Promise<ProblemError> {
  try {
    await promise;
  } catch (error) {
    if (isProblemError(error)) return error;
    throw error;
  }
  throw new Error('expected a ProblemError');
}

describe('parseProblem', () => {
  it('reads all RFC 9457 members and pqbank extensions', () => {
    const problem = parseProblem(
      {
        type: 'https://pqbank.example/problems/insufficient-funds',
        title: 'Insufficient funds',
        status: 422,
        detail: 'The balance is 10.00 EUR, the transfer needs 25.00 EUR.',
        instance: '/api/v1/transfers/abc',
        code: 'insufficient_funds',
        request_id: 'req-123',
        balance: '1000',
      },
      { status: 422, statusText: 'Unprocessable Content' },
    );
    expect(problem).toEqual({
      type: 'https://pqbank.example/problems/insufficient-funds',
      title: 'Insufficient funds',
      status: 422,
      detail: 'The balance is 10.00 EUR, the transfer needs 25.00 EUR.',
      instance: '/api/v1/transfers/abc',
      code: 'insufficient_funds',
      request_id: 'req-123',
      extensions: { balance: '1000' },
    });
  });

  it('ignores members of the wrong type and falls back to the HTTP status', () => {
    const problem = parseProblem(
      { type: 42, title: ['x'], status: '500', detail: null, code: 7 },
      { status: 503, statusText: 'Service Unavailable', requestId: 'hdr-9' },
    );
    expect(problem).toEqual({
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      request_id: 'hdr-9',
      extensions: {},
    });
  });

  it('uses the HTTP status over a contradicting body status', () => {
    expect(parseProblem({ title: 'Nope', status: 200 }, { status: 403 }).status).toBe(403);
  });

  it('survives bodies that are not objects', () => {
    expect(parseProblem('oops', { status: 404 })).toMatchObject({
      type: 'about:blank',
      title: 'Not found',
      status: 404,
    });
    expect(parseProblem(null, { status: 500 }).title).toBe('Server error');
    expect(parseProblem([1, 2], { status: 401 }).title).toBe('Sign-in required');
  });

  it('prefers the body request id over the header', () => {
    const problem = parseProblem({ request_id: 'body-1' }, { status: 400, requestId: 'hdr-1' });
    expect(problem.request_id).toBe('body-1');
  });
});

describe('problemFromResponse', () => {
  it('parses problem+json bodies', async () => {
    const response = jsonResponse(
      { title: 'Account frozen', status: 409, code: 'account_frozen' },
      { status: 409, headers: { 'x-request-id': 'r-1' } },
      PROBLEM,
    );
    expect(await problemFromResponse(response)).toMatchObject({
      title: 'Account frozen',
      status: 409,
      code: 'account_frozen',
      request_id: 'r-1',
    });
  });

  it('does not read non-JSON bodies', async () => {
    const response = new Response('<html>Bad gateway</html>', {
      status: 502,
      statusText: 'Bad Gateway',
      headers: { 'content-type': 'text/html' },
    });
    expect(await problemFromResponse(response)).toMatchObject({
      title: 'Bad Gateway',
      status: 502,
    });
  });
});

describe('apiRequest', () => {
  it('decodes JSON answers and sends JSON bodies', async () => {
    const fetchMock = vi.fn<typeof fetch>().mockResolvedValue(jsonResponse({ id: 'acc-1' }));
    vi.stubGlobal('fetch', fetchMock);
    const result = await apiRequest('/api/v1/accounts', identity, {
      method: 'POST',
      body: { currency: 'EUR' },
    });
    expect(result).toEqual({ id: 'acc-1' });
    const [path, init] = fetchMock.mock.calls[0]!;
    expect(path).toBe('/api/v1/accounts');
    expect(init?.method).toBe('POST');
    expect(init?.body).toBe('{"currency":"EUR"}');
    expect(init?.credentials).toBe('same-origin');
    expect(init?.headers).toMatchObject({
      Accept: 'application/json, application/problem+json',
      'Content-Type': 'application/json',
    });
  });

  it('throws a ProblemError for problem+json errors', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn<typeof fetch>().mockResolvedValue(
        jsonResponse(
          {
            type: 'https://pqbank.example/problems/forbidden',
            title: 'Not permitted',
            status: 403,
            detail: 'Only managers approve transfers above the limit.',
            code: 'forbidden',
            request_id: 'req-42',
          },
          { status: 403 },
          PROBLEM,
        ),
      ),
    );
    const error = await caught(apiGet('/api/v1/approvals', identity));
    expect(error).toBeInstanceOf(ProblemError);
    expect(error.name).toBe('ProblemError');
    expect(error.status).toBe(403);
    expect(error.code).toBe('forbidden');
    expect(error.requestId).toBe('req-42');
    expect(error.message).toBe('Not permitted: Only managers approve transfers above the limit.');
  });

  it('reports network failures as a ProblemError with status 0', async () => {
    vi.stubGlobal('fetch', vi.fn<typeof fetch>().mockRejectedValue(new TypeError('failed')));
    const error = await caught(apiGet('/healthz', identity));
    expect(error.status).toBe(0);
    expect(error.code).toBe(CLIENT_ERROR_CODES.network);
  });

  it('rethrows aborts by the caller unchanged', async () => {
    const controller = new AbortController();
    const abort = new DOMException('aborted', 'AbortError');
    vi.stubGlobal(
      'fetch',
      vi.fn<typeof fetch>().mockImplementation(() => {
        controller.abort();
        return Promise.reject(abort);
      }),
    );
    await expect(apiGet('/healthz', identity, { signal: controller.signal })).rejects.toBe(abort);
  });

  it('rejects HTML where JSON was expected (e.g. an SPA fallback page)', async () => {
    vi.stubGlobal(
      'fetch',
      vi
        .fn<typeof fetch>()
        .mockResolvedValue(
          new Response('<!doctype html>', { headers: { 'content-type': 'text/html' } }),
        ),
    );
    const error = await caught(apiGet('/healthz', identity));
    expect(error.code).toBe(CLIENT_ERROR_CODES.invalidResponse);
    expect(error.status).toBe(200);
  });

  it('reports decoder failures as invalid responses', async () => {
    vi.stubGlobal('fetch', vi.fn<typeof fetch>().mockResolvedValue(jsonResponse([1])));
    const error = await caught(
      apiGet('/x', () => {
        throw new TypeError('not an object');
      }),
    );
    expect(error.code).toBe(CLIENT_ERROR_CODES.invalidResponse);
    expect(error.problem.detail).toContain('not an object');
  });

  it('passes null to the decoder for 204 No Content', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn<typeof fetch>().mockResolvedValue(new Response(null, { status: 204 })),
    );
    await expect(apiRequest('/x', identity, { method: 'DELETE' })).resolves.toBeNull();
  });
});
