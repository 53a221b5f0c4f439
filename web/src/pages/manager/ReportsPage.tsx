import { useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import {
  reportApprovals,
  reportVolume,
  type ApprovalReport,
  type VolumeReport,
} from '../../api/ledger';
import { PageHeader } from '../../components/PageHeader';
import { kindLabel } from '../../ledger/format';
import { Amount, DateTime, Empty, QueryView, RoleGate, TransferStatusPill } from '../../ledger/ui';
import { currencyExponent, decimalToMinor, formatMoneyValue } from '../../money';

const COLORS = ['var(--c-chart-1)', 'var(--c-chart-2)', '#b7791f', '#7b4fa0', '#b3261e'];

/** Reports: posted volume per day, the approval workload, large transfers. */
export function ReportsPage() {
  return (
    <>
      <PageHeader
        eyebrow="Management"
        title="Reports"
        description="Volumes, approvals and large transfers over a period."
      />
      <RoleGate area="manager">
        <Reports />
      </RoleGate>
    </>
  );
}

function Reports() {
  const ids = useId();
  const [days, setDays] = useState(30);
  const volume = useQuery({
    queryKey: ['report', 'volume', days],
    queryFn: ({ signal }) => reportVolume(days, signal),
  });
  const approvals = useQuery({
    queryKey: ['report', 'approvals', days],
    queryFn: ({ signal }) => reportApprovals(days, signal),
  });
  return (
    <>
      <div className="field field-inline">
        <label htmlFor={`${ids}-days`}>Period</label>
        <select
          id={`${ids}-days`}
          value={days}
          onChange={(e) => {
            setDays(Number(e.target.value));
          }}
        >
          <option value={7}>Last 7 days</option>
          <option value={30}>Last 30 days</option>
          <option value={90}>Last 90 days</option>
          <option value={365}>Last year</option>
        </select>
      </div>
      <section className="card chart-card" aria-labelledby={`${ids}-vol`}>
        <h2 id={`${ids}-vol`} className="card-title">
          Posted volume per day
        </h2>
        <QueryView query={volume} loading="Loading volumes…" context="Loading the volume report">
          {(v) => <VolumeChart report={v} />}
        </QueryView>
      </section>
      <QueryView
        query={approvals}
        loading="Loading approvals…"
        context="Loading the approval report"
      >
        {(r) => <Approvals report={r} />}
      </QueryView>
    </>
  );
}

/** Rows → one entry per day with a major-unit number per currency (display only). */
function volumeSeries(report: VolumeReport): {
  data: Record<string, string | number>[];
  currencies: string[];
} {
  const currencies = [...new Set(report.rows.map((r) => r.currency))].sort();
  const byDay = new Map<string, Record<string, string | number>>();
  for (const r of report.rows) {
    const row = byDay.get(r.day) ?? { day: r.day };
    const minor = decimalToMinor(r.total.amount, r.currency);
    row[r.currency] = Number(minor) / 10 ** currencyExponent(r.currency);
    row[`${r.currency}_count`] = r.count;
    byDay.set(r.day, row);
  }
  return {
    data: [...byDay.values()].sort((a, b) => String(a.day).localeCompare(String(b.day))),
    currencies,
  };
}

function VolumeChart({ report }: { report: VolumeReport }) {
  const { data, currencies } = volumeSeries(report);
  if (data.length === 0) return <Empty title="No posted transfers in this period" />;
  const summary = report.rows
    .map((r) => `${r.day}: ${r.count} transfers, ${formatMoneyValue(r.total)}`)
    .join('; ');
  return (
    <figure className="chart" data-testid="volume-chart">
      <div className="chart-area">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
            <CartesianGrid stroke="var(--c-border)" vertical={false} />
            <XAxis dataKey="day" tick={{ fill: 'var(--c-muted)', fontSize: 12 }} tickLine={false} />
            <YAxis
              width={80}
              tick={{ fill: 'var(--c-muted)', fontSize: 12 }}
              tickLine={false}
              axisLine={false}
            />
            <Tooltip />
            <Legend />
            {currencies.map((c, i) => (
              <Bar
                key={c}
                dataKey={c}
                name={c}
                fill={COLORS[i % COLORS.length] ?? 'var(--c-chart-1)'}
                isAnimationActive={false}
              />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
      <figcaption className="sr-only">{summary}</figcaption>
    </figure>
  );
}

function seconds(s: number | null): string {
  if (s === null) return '—';
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

function Approvals({ report }: { report: ApprovalReport }) {
  const ids = useId();
  const data = [
    { name: 'Approved', value: report.approved },
    { name: 'Rejected', value: report.rejected },
    { name: 'Expired', value: report.expired },
    { name: 'Waiting', value: report.queue.length },
  ];
  return (
    <>
      <section className="card chart-card" aria-labelledby={`${ids}-appr`}>
        <h2 id={`${ids}-appr`} className="card-title">
          Approvals
        </h2>
        <dl className="facts facts-inline">
          <div>
            <dt>Median turnaround</dt>
            <dd>{seconds(report.turnaround_p50_secs)}</dd>
          </div>
          <div>
            <dt>90th percentile</dt>
            <dd>{seconds(report.turnaround_p90_secs)}</dd>
          </div>
          <div>
            <dt>Longest</dt>
            <dd>{seconds(report.turnaround_max_secs)}</dd>
          </div>
          {report.large_totals.map((m) => (
            <div key={m.currency}>
              <dt>Large transfers ({m.currency})</dt>
              <dd>
                <Amount money={m} />
              </dd>
            </div>
          ))}
        </dl>
        <figure className="chart" data-testid="approvals-chart">
          <div className="chart-area">
            <ResponsiveContainer width="100%" height="100%">
              <BarChart data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
                <CartesianGrid stroke="var(--c-border)" vertical={false} />
                <XAxis
                  dataKey="name"
                  tick={{ fill: 'var(--c-muted)', fontSize: 12 }}
                  tickLine={false}
                />
                <YAxis
                  allowDecimals={false}
                  width={40}
                  tick={{ fill: 'var(--c-muted)', fontSize: 12 }}
                  tickLine={false}
                  axisLine={false}
                />
                <Tooltip />
                <Bar
                  dataKey="value"
                  name="Transfers"
                  fill="var(--c-chart-1)"
                  isAnimationActive={false}
                />
              </BarChart>
            </ResponsiveContainer>
          </div>
          <figcaption className="sr-only">
            {data.map((d) => `${d.name}: ${d.value}`).join(', ')}
          </figcaption>
        </figure>
      </section>
      <section className="card" aria-labelledby={`${ids}-large`}>
        <h2 id={`${ids}-large`} className="card-title">
          Large transfers
        </h2>
        {report.large.length === 0 ? (
          <Empty title="No large transfers in this period" />
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="large-transfers">
              <thead>
                <tr>
                  <th scope="col">Created</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Reference</th>
                  <th scope="col" className="num">
                    Amount
                  </th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {report.large.map((t) => (
                  <tr key={t.id}>
                    <td>
                      <DateTime value={t.created_at} />
                    </td>
                    <td>{kindLabel(t.kind)}</td>
                    <td>{t.reference}</td>
                    <td className="num">
                      <Amount money={t.amount} />
                    </td>
                    <td>
                      <TransferStatusPill status={t.status} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
