import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { jsonResponse } from '../../test/http';
import { fakeApi, money, transferJson } from '../../test/ledgerFixtures';
import { renderApp } from '../../test/render';

describe('reports', () => {
  it('shows the approval workload and large transfers', async () => {
    fakeApi({
      'GET /api/v1/reports/volume?days=30': () =>
        jsonResponse({
          since: '2026-10-30T00:00:00Z',
          rows: [{ day: '2026-11-29', currency: 'EUR', count: 3, total: money('32025.00') }],
        }),
      'GET /api/v1/reports/approvals?days=30': () =>
        jsonResponse({
          since: '2026-10-30T00:00:00Z',
          queue: [],
          large: [transferJson({ status: 'posted' })],
          approved: 1,
          rejected: 0,
          expired: 0,
          turnaround_p50_secs: 95,
          turnaround_p90_secs: 95,
          turnaround_max_secs: 95,
          large_totals: [money('12000.00')],
        }),
    });
    renderApp('/manager/reports', { username: 'm', roles: ['manager'] });
    const table = await screen.findByTestId('large-transfers', {}, { timeout: 8000 });
    expect(within(table).getByText('€12,000.00')).toBeInTheDocument();
    expect(within(table).getByText('Posted')).toBeInTheDocument();
    expect(screen.getAllByText('95 s')).toHaveLength(3);
    expect(await screen.findByTestId('volume-chart')).toHaveTextContent(
      '2026-11-29: 3 transfers, €32,025.00',
    );
  });
});
