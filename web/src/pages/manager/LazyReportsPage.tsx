import { lazy, Suspense } from 'react';

// Charts (recharts) load with the reports page only.
const ReportsPage = lazy(() => import('./ReportsPage').then((m) => ({ default: m.ReportsPage })));

/** The reports page, loaded on first visit. */
export function LazyReportsPage() {
  return (
    <Suspense fallback={<p className="loading">Loading reports…</p>}>
      <ReportsPage />
    </Suspense>
  );
}
