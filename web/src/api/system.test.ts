// @vitest-environment node
import { describe, expect, it, vi } from 'vitest';
import { jsonResponse } from '../test/http';
import { decodeHealth, decodeOpenApi, HISTORY_LENGTH, probeSystem } from './system';

describe('system decoders', () => {
  it('decodes health reports with their scalar details', () => {
    expect(
      decodeHealth({ status: 'ok', database: 'sqlite', checked_at: '2026-11-29T12:00:00Z', x: {} }),
    ).toEqual({
      status: 'ok',
      details: [
        ['database', 'sqlite'],
        ['checked_at', '2026-11-29T12:00:00Z'],
      ],
    });
    expect(() => decodeHealth({ ok: true })).toThrow(TypeError);
  });

  it('decodes the API version and counts paths', () => {
    expect(
      decodeOpenApi({
        openapi: '3.1.0',
        info: { title: 'pqbank', version: '1.2.0' },
        paths: { '/healthz': {}, '/readyz': {}, '/api/v1/accounts': {} },
      }),
    ).toEqual({ title: 'pqbank', version: '1.2.0', openapi: '3.1.0', pathCount: 3 });
    expect(() => decodeOpenApi({ openapi: '3.1.0' })).toThrow(TypeError);
  });
});

describe('probeSystem', () => {
  it('reports each check and keeps a bounded history', async () => {
    vi.stubGlobal(
      'fetch',
      vi
        .fn<typeof fetch>()
        .mockImplementation((input) =>
          Promise.resolve(
            input === '/healthz'
              ? jsonResponse({ status: 'ok' })
              : jsonResponse(
                  { title: 'Database unavailable', status: 503, code: 'unavailable' },
                  { status: 503 },
                  'application/problem+json',
                ),
          ),
        ),
    );
    let previous = undefined;
    for (let i = 0; i < HISTORY_LENGTH + 2; i++) {
      previous = await probeSystem(previous, undefined, () => 1000 + i);
    }
    expect(previous?.health.state).toBe('ok');
    expect(previous?.ready.state).toBe('down');
    expect(previous?.history).toHaveLength(HISTORY_LENGTH);
    expect(previous?.history.at(-1)).toMatchObject({ at: 1000 + HISTORY_LENGTH + 1, ready: null });
    expect(previous?.checkedAt).toBe(1000 + HISTORY_LENGTH + 1);
  });
});
