import '@testing-library/jest-dom/vitest';
import { configure } from '@testing-library/react';

// CI shares two cores with the Rust build: give findBy*/waitFor room before calling a test failed.
configure({ asyncUtilTimeout: 5000 });

// jsdom has no ResizeObserver; recharts' ResponsiveContainer needs one.
class ResizeObserverStub {
  observe(): void {
    /* nothing to observe in jsdom */
  }
  unobserve(): void {
    /* nothing to observe in jsdom */
  }
  disconnect(): void {
    /* nothing to observe in jsdom */
  }
}
if (!('ResizeObserver' in globalThis)) {
  Object.assign(globalThis, { ResizeObserver: ResizeObserverStub });
}
