import { useQuery, useQueryClient } from '@tanstack/react-query';
import { FileJson, HeartPulse, RefreshCw, ServerCog } from 'lucide-react';
import { Fragment, lazy, Suspense, type ReactNode } from 'react';
import { ProblemAlert } from '../../api/ProblemAlert';
import {
  fetchApiDescription,
  overallState,
  probeSystem,
  SYSTEM_ENDPOINTS,
  type CheckState,
  type ProbeResult,
  type SystemProbe,
} from '../../api/system';
import { PageHeader } from '../../components/PageHeader';
import { StatusPill } from '../../components/StatusPill';
import { formatDetail, formatLatency, pathSegments } from './format';

const LatencyChart = lazy(() => import('./LatencyChart'));

const PROBE_KEY = ['system', 'probe'] as const;
const REFRESH_MS = 15_000;

const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

const SUMMARY: Record<CheckState, { title: string; text: string }> = {
  ok: {
    title: 'All systems operational',
    text: 'The server is live, ready and describing its API.',
  },
  degraded: {
    title: 'Some checks need attention',
    text: 'The server answers, but not every check passes. Details are below.',
  },
  down: {
    title: 'The server is not answering',
    text: 'The liveness check failed. Staff cannot work until it recovers.',
  },
};

function CheckCard({
  id,
  title,
  endpoint,
  icon,
  state,
  children,
}: {
  id: string;
  title: string;
  endpoint: string;
  icon: ReactNode;
  state: CheckState | 'loading';
  children: ReactNode;
}) {
  return (
    <section className="card check-card" aria-labelledby={`check-${id}`} data-check={id}>
      <div className="check-card-head">
        <span className="check-icon">{icon}</span>
        <div className="check-card-titles">
          <h2 id={`check-${id}`} className="card-title">
            {title}
          </h2>
          <code className="endpoint">
            {pathSegments(endpoint).map((segment, i) => (
              <Fragment key={i}>
                {i > 0 && <wbr />}
                {segment}
              </Fragment>
            ))}
          </code>
        </div>
        <StatusPill state={state} />
      </div>
      {children}
    </section>
  );
}

function ProbeDetails({ result }: { result: ProbeResult }) {
  if (result.state === 'down') {
    return <ProblemAlert error={result.error} compact />;
  }
  return (
    <dl className="facts">
      <div>
        <dt>Reported status</dt>
        <dd>
          <code>{result.report.status}</code>
        </dd>
      </div>
      <div>
        <dt>Response time</dt>
        <dd>{formatLatency(result.latencyMs)}</dd>
      </div>
      {result.report.details.map(([key, value]) => (
        <div key={key}>
          <dt>{key.replaceAll('_', ' ')}</dt>
          <dd>{formatDetail(key, value)}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Live health of the server: liveness, readiness, API description and response times. */
export function StatusPage() {
  const client = useQueryClient();
  const system = useQuery({
    queryKey: PROBE_KEY,
    queryFn: ({ signal }) => probeSystem(client.getQueryData<SystemProbe>(PROBE_KEY), signal),
    refetchInterval: REFRESH_MS,
    staleTime: 0,
  });
  const api = useQuery({
    queryKey: ['system', 'openapi'],
    queryFn: ({ signal }) => fetchApiDescription(signal),
    staleTime: 60_000,
  });

  const probeData = system.data;
  const overall: CheckState | 'loading' =
    probeData && !api.isPending ? overallState(probeData, api.isError) : 'loading';
  const refreshing = system.isFetching || api.isFetching;

  return (
    <>
      <PageHeader
        eyebrow="Operations"
        title="System status"
        description="Live checks of the pqbank server this app is served from, refreshed every 15 seconds."
        actions={
          <button
            type="button"
            className="button button-secondary"
            disabled={refreshing}
            onClick={() => {
              void system.refetch();
              void api.refetch();
            }}
          >
            <RefreshCw aria-hidden="true" className={refreshing ? 'spin' : undefined} />
            {refreshing ? 'Checking…' : 'Check now'}
          </button>
        }
      />

      <div className={`summary summary-${overall}`} aria-live="polite" data-overall={overall}>
        <StatusPill state={overall} />
        <div>
          <p className="summary-title">
            {overall === 'loading' ? 'Checking the server…' : SUMMARY[overall].title}
          </p>
          {overall !== 'loading' && <p className="summary-text">{SUMMARY[overall].text}</p>}
        </div>
        {probeData && (
          <p className="summary-time">
            Last checked{' '}
            <time dateTime={new Date(probeData.checkedAt).toISOString()}>
              {timeFormat.format(probeData.checkedAt)}
            </time>
          </p>
        )}
      </div>

      <div className="check-grid">
        <CheckCard
          id="health"
          title="Liveness"
          endpoint={SYSTEM_ENDPOINTS.health}
          icon={<HeartPulse aria-hidden="true" />}
          state={probeData?.health.state ?? 'loading'}
        >
          {probeData ? (
            <ProbeDetails result={probeData.health} />
          ) : (
            <p className="muted">Checking…</p>
          )}
        </CheckCard>
        <CheckCard
          id="ready"
          title="Readiness"
          endpoint={SYSTEM_ENDPOINTS.ready}
          icon={<ServerCog aria-hidden="true" />}
          state={probeData?.ready.state ?? 'loading'}
        >
          {probeData ? (
            <ProbeDetails result={probeData.ready} />
          ) : (
            <p className="muted">Checking…</p>
          )}
        </CheckCard>
        <CheckCard
          id="api"
          title="API"
          endpoint={SYSTEM_ENDPOINTS.openapi}
          icon={<FileJson aria-hidden="true" />}
          state={api.isPending ? 'loading' : api.isError ? 'down' : 'ok'}
        >
          {api.isPending && <p className="muted">Loading…</p>}
          {api.isError && <ProblemAlert error={api.error} compact />}
          {api.data && (
            <dl className="facts">
              <div>
                <dt>API</dt>
                <dd>{api.data.title}</dd>
              </div>
              <div>
                <dt>Version</dt>
                <dd data-testid="api-version">{api.data.version}</dd>
              </div>
              <div>
                <dt>Paths</dt>
                <dd data-testid="api-paths">{api.data.pathCount}</dd>
              </div>
              <div>
                <dt>OpenAPI</dt>
                <dd>{api.data.openapi}</dd>
              </div>
            </dl>
          )}
        </CheckCard>
      </div>

      <section className="card chart-card" aria-labelledby="latency-title">
        <div className="card-head">
          <h2 id="latency-title" className="card-title">
            Response times
          </h2>
          <p className="card-subtitle">Round trip from this browser, last 30 checks.</p>
        </div>
        {probeData && probeData.history.length > 0 ? (
          <Suspense fallback={<div className="chart-placeholder">Loading chart…</div>}>
            <LatencyChart history={probeData.history} />
          </Suspense>
        ) : (
          <div className="chart-placeholder">Waiting for the first check…</div>
        )}
      </section>
    </>
  );
}
