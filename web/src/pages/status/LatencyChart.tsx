import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { LatencySample } from '../../api/system';

const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

/** Response-time history of the health checks (SVG; no inline <style>, CSP-safe). */
export default function LatencyChart({ history }: { history: readonly LatencySample[] }) {
  const data = history.map((sample) => ({
    time: timeFormat.format(sample.at),
    health: sample.health === null ? null : Math.round(sample.health * 10) / 10,
    ready: sample.ready === null ? null : Math.round(sample.ready * 10) / 10,
  }));
  const latest = history.at(-1);
  const summary = latest
    ? `Latest: liveness ${latest.health === null ? 'failed' : `${Math.round(latest.health)} ms`}, readiness ${latest.ready === null ? 'failed' : `${Math.round(latest.ready)} ms`}.`
    : '';
  return (
    <figure className="chart">
      <div className="chart-area">
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
            <CartesianGrid stroke="var(--c-border)" vertical={false} />
            <XAxis
              dataKey="time"
              tick={{ fill: 'var(--c-muted)', fontSize: 12 }}
              tickLine={false}
              axisLine={{ stroke: 'var(--c-border-strong)' }}
              minTickGap={24}
            />
            <YAxis
              unit=" ms"
              width={64}
              tick={{ fill: 'var(--c-muted)', fontSize: 12 }}
              tickLine={false}
              axisLine={false}
              allowDecimals={false}
            />
            <Tooltip />
            <Legend iconType="plainline" />
            <Line
              name="Liveness"
              type="monotone"
              dataKey="health"
              stroke="var(--c-chart-1)"
              strokeWidth={2}
              dot={data.length < 8}
              isAnimationActive={false}
              connectNulls={false}
            />
            <Line
              name="Readiness"
              type="monotone"
              dataKey="ready"
              stroke="var(--c-chart-2)"
              strokeWidth={2}
              dot={data.length < 8}
              isAnimationActive={false}
              connectNulls={false}
            />
          </LineChart>
        </ResponsiveContainer>
      </div>
      <figcaption className="sr-only">{summary}</figcaption>
    </figure>
  );
}
