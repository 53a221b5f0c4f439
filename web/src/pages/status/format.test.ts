// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { formatDetail, formatLatency, pathSegments } from './format';

describe('status formatting', () => {
  it('formats latencies', () => {
    expect(formatLatency(3.14159)).toBe('3.1 ms');
    expect(formatLatency(152.6)).toBe('153 ms');
  });

  it('shows timestamps in local time and leaves other details alone', () => {
    expect(formatDetail('database', 'sqlite')).toBe('sqlite');
    expect(formatDetail('checked_at', 'not a time')).toBe('not a time');
    const shown = formatDetail('checked_at', '2026-11-29T12:00:00Z');
    expect(shown).not.toContain('T12:00:00Z');
    expect(shown).toMatch(/2026/);
  });

  it('splits paths after slashes', () => {
    expect(pathSegments('/api/v1/openapi.json')).toEqual(['/', 'api/', 'v1/', 'openapi.json']);
  });
});
