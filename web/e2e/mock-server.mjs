// A tiny stand-in for the pqbank server, for running the e2e smoke tests without it:
// serves web/dist with an SPA fallback under the server's exact CSP, plus stub /healthz,
// /readyz and /api/v1/openapi.json answers. Loopback only. Usage: node e2e/mock-server.mjs [port]
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The CSP the pqbank server sends; keep in sync with crates/server. */
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

const OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'pqbank API (mock)', version: '0.0.0-mock' },
  paths: { '/healthz': {}, '/readyz': {}, '/api/v1/openapi.json': {} },
};

function send(res, status, type, body) {
  res.writeHead(status, {
    'content-type': type,
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  });
  res.end(body);
}

function json(res, status, value, type = 'application/json') {
  send(res, status, type, JSON.stringify(value));
}

/**
 * Starts the mock on 127.0.0.1; resolves to `{ url, close }`. With `tls: { key, cert }` (PEM)
 * it serves HTTPS, like the real server.
 */
export async function startMockServer({ root, port = 0, tls } = {}) {
  const dist = resolve(root ?? fileURLToPath(new URL('../dist', import.meta.url)));
  const index = await readFile(join(dist, 'index.html'));
  const handler = (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const path = decodeURIComponent(url.pathname);
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return json(
          res,
          405,
          { title: 'Method Not Allowed', status: 405 },
          'application/problem+json',
        );
      }
      if (path === '/healthz') return json(res, 200, { status: 'ok' });
      if (path === '/readyz') {
        return json(res, 200, {
          status: 'ok',
          database: 'mock',
          checked_at: new Date().toISOString(),
        });
      }
      if (path === '/api/v1/openapi.json') return json(res, 200, OPENAPI);
      if (path.startsWith('/api/')) {
        return json(
          res,
          404,
          { type: 'about:blank', title: 'Not Found', status: 404, code: 'not_found' },
          'application/problem+json',
        );
      }
      const file = resolve(dist, `.${path}`);
      if (file.startsWith(dist + sep)) {
        const info = await stat(file).catch(() => null);
        if (info?.isFile()) {
          const type = TYPES[extname(file)] ?? 'application/octet-stream';
          return send(res, 200, type, await readFile(file));
        }
      }
      if (path.startsWith('/assets/')) return send(res, 404, 'text/plain', 'not found');
      return send(res, 200, TYPES['.html'], index);
    })().catch((error) => {
      send(res, 500, 'text/plain', String(error));
    });
  };
  const server = tls ? createTlsServer(tls, handler) : createServer(handler);
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', ok);
  });
  const address = server.address();
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${address.port}`,
    close: () => new Promise((ok) => server.close(ok)),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.argv[2] ?? 4173);
  const { url } = await startMockServer({ port });
  console.log(`mock pqbank server on ${url}`);
}
