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
import type { SecurityEvent } from '../../api/staff';
import { bucketEvents } from '../../audit/alerts';
import { Empty } from '../../ledger/ui';

const COLORS: Readonly<Record<string, string>> = {
  info: 'var(--c-chart-1)',
  warning: '#b7791f',
  critical: '#b3261e',
};

/** Security events over time, stacked by severity. */
export function AlertsChart({ events }: { events: readonly SecurityEvent[] }) {
  const { buckets, severities } = bucketEvents(events);
  if (buckets.length === 0) return <Empty title="No security events yet" />;
  const summary = buckets
    .map((b) => `${b.period}: ${severities.map((s) => `${String(b[s] ?? 0)} ${s}`).join(', ')}`)
    .join('; ');
  return (
    <figure className="chart" data-testid="alerts-chart">
      <div className="chart-area">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={buckets} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
            <CartesianGrid stroke="var(--c-border)" vertical={false} />
            <XAxis
              dataKey="period"
              tick={{ fill: 'var(--c-muted)', fontSize: 12 }}
              tickLine={false}
            />
            <YAxis
              width={40}
              allowDecimals={false}
              tick={{ fill: 'var(--c-muted)', fontSize: 12 }}
              tickLine={false}
              axisLine={false}
            />
            <Tooltip />
            <Legend />
            {severities.map((s) => (
              <Bar
                key={s}
                dataKey={s}
                name={s}
                stackId="severity"
                fill={COLORS[s] ?? '#7b4fa0'}
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
