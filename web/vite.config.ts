import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// During `npm run dev`, API calls go to a locally running `pqbank` server (self-signed TLS).
const apiTarget = process.env.PQBANK_DEV_API ?? 'https://127.0.0.1:8443';
const proxied = { target: apiTarget, changeOrigin: false, secure: false };

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Never inline assets as data: URIs: the server's CSP allows data: only for images.
    assetsInlineLimit: 0,
    sourcemap: false,
    chunkSizeWarningLimit: 900,
  },
  server: {
    proxy: {
      '/api': proxied,
      '/healthz': proxied,
      '/readyz': proxied,
    },
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
    restoreMocks: true,
    unstubGlobals: true,
    // Loaded CI machines (two cores shared with cargo) are slow; a test is still bounded.
    testTimeout: 20_000,
  },
});
