/// <reference types="node" />
/** The repository's shared transfer payload vectors (`testdata/transfer-payload-vectors.json`). */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { toHex } from './bytes';
import {
  payloadTimestamp,
  transferCanonicalBytes,
  transferCanonicalJson,
  type TransferPayload,
} from './payload';

interface Vector {
  name: string;
  input: TransferPayload;
  canonical: string;
  canonical_hex: string;
}

const vectors = JSON.parse(
  readFileSync(
    resolve(import.meta.dirname, '../../../testdata/transfer-payload-vectors.json'),
    'utf8',
  ),
) as Vector[];

describe('transfer payload vectors', () => {
  it('has vectors', () => {
    expect(vectors.length).toBeGreaterThan(0);
  });

  it.each(vectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    expect(transferCanonicalJson(v.input)).toBe(v.canonical);
    expect(toHex(transferCanonicalBytes(v.input))).toBe(v.canonical_hex);
  });

  it('formats timestamps with whole seconds and Z', () => {
    expect(payloadTimestamp(new Date(Date.UTC(2026, 10, 29, 9, 10, 0, 999)))).toBe(
      '2026-11-29T09:10:00Z',
    );
  });
});
