import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useId, useState } from 'react';
import { ProblemAlert } from '../../api/ProblemAlert';
import {
  SECURITY_EVENTS_KEY,
  securityEvents,
  setSecurityEventStatus,
  type SecurityEvent,
} from '../../api/staff';
import { PageHeader } from '../../components/PageHeader';
import { DateTime, Empty, QueryView, RoleGate } from '../../ledger/ui';

// Charts (recharts) load with this page's chart only.
const AlertsChart = lazy(() => import('./AlertsChart').then((m) => ({ default: m.AlertsChart })));

/** Security alerts: the chart over time, the list, acknowledge and resolve. */
export function AlertsPage() {
  return (
    <>
      <PageHeader
        eyebrow="Audit"
        title="Security alerts"
        description="Failed logins, lockouts, revoked devices and other unusual activity. Acknowledge what you are looking at, resolve what is settled; both are audited."
      />
      <RoleGate area="auditor">
        <Alerts />
      </RoleGate>
    </>
  );
}

type Filter = 'open' | 'acknowledged' | 'resolved' | 'all';

function Alerts() {
  const ids = useId();
  const [filter, setFilter] = useState<Filter>('open');
  const events = useQuery({
    queryKey: SECURITY_EVENTS_KEY,
    queryFn: ({ signal }) => securityEvents(0, 1000, signal),
    refetchInterval: 10_000,
  });
  return (
    <QueryView query={events} loading="Loading security events…" context="Loading security events">
      {(all) => {
        const shown = all
          .filter((e) => filter === 'all' || e.status === filter)
          .slice()
          .reverse();
        return (
          <>
            <section className="card chart-card" aria-labelledby={`${ids}-chart`}>
              <h2 id={`${ids}-chart`} className="card-title">
                Security events over time
              </h2>
              <Suspense fallback={<p className="loading">Loading the chart…</p>}>
                <AlertsChart events={all} />
              </Suspense>
            </section>
            <section className="card" aria-label="Security events">
              <div className="field field-inline">
                <label htmlFor={`${ids}-status`}>Show</label>
                <select
                  id={`${ids}-status`}
                  value={filter}
                  onChange={(e) => {
                    setFilter(e.target.value as Filter);
                  }}
                >
                  <option value="open">
                    Open ({all.filter((e) => e.status === 'open').length})
                  </option>
                  <option value="acknowledged">Acknowledged</option>
                  <option value="resolved">Resolved</option>
                  <option value="all">All ({all.length})</option>
                </select>
              </div>
              {shown.length === 0 ? (
                <Empty title="Nothing here" />
              ) : (
                <div className="table-wrap">
                  <table className="table" data-testid="security-events">
                    <thead>
                      <tr>
                        <th scope="col">Time</th>
                        <th scope="col">Kind</th>
                        <th scope="col">Severity</th>
                        <th scope="col">Details</th>
                        <th scope="col">Status</th>
                        <th scope="col">
                          <span className="sr-only">Actions</span>
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {shown.map((e) => (
                        <AlertRow key={e.id} event={e} />
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </section>
          </>
        );
      }}
    </QueryView>
  );
}

function severityPill(severity: string): string {
  if (severity === 'critical') return 'pill pill-down';
  if (severity === 'warning') return 'pill pill-degraded';
  return 'pill pill-ok';
}

function AlertRow({ event }: { event: SecurityEvent }) {
  const queryClient = useQueryClient();
  const mutation = useMutation({
    mutationFn: (status: 'acknowledged' | 'resolved') => setSecurityEventStatus(event.id, status),
    onSettled: () => queryClient.invalidateQueries({ queryKey: SECURITY_EVENTS_KEY }),
  });
  return (
    <tr data-kind={event.kind} data-status={event.status} data-id={event.id}>
      <td>
        <DateTime value={event.time} />
      </td>
      <td>
        <code>{event.kind}</code>
      </td>
      <td>
        <span className={severityPill(event.severity)}>{event.severity}</span>
      </td>
      <td className="small">
        {event.client_addr && <span className="muted">{event.client_addr} </span>}
        <code className="selectable break">{event.details}</code>
      </td>
      <td>{event.status}</td>
      <td>
        <div className="button-row">
          {event.status === 'open' && (
            <button
              type="button"
              className="button button-secondary button-small"
              disabled={mutation.isPending}
              onClick={() => {
                mutation.mutate('acknowledged');
              }}
            >
              Acknowledge
            </button>
          )}
          {event.status !== 'resolved' && (
            <button
              type="button"
              className="button button-secondary button-small"
              disabled={mutation.isPending}
              onClick={() => {
                mutation.mutate('resolved');
              }}
            >
              Resolve
            </button>
          )}
        </div>
        {mutation.isError && <ProblemAlert error={mutation.error} context="Updating the alert" />}
      </td>
    </tr>
  );
}
