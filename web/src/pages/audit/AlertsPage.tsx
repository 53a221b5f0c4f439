import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useId, useState, type SubmitEvent } from 'react';
import { Link } from 'react-router';
import { ProblemAlert } from '../../api/ProblemAlert';
import {
  SECURITY_EVENTS_KEY,
  securityEvents,
  setSecurityEventStatus,
  STATUS_NOTE_MAX,
  type SecurityEvent,
} from '../../api/staff';
import { ruleDescription, ruleLabel } from '../../audit/rules';
import { PageHeader } from '../../components/PageHeader';
import { DateTime, Empty, QueryView, RoleGate, ShortId } from '../../ledger/ui';

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

type StatusFilter = 'open' | 'acknowledged' | 'resolved' | 'all';
type SeverityFilter = 'all' | 'critical' | 'warning' | 'info';

const STATUS_LABEL: Record<string, string> = {
  open: 'Open',
  acknowledged: 'Acknowledged',
  resolved: 'Resolved',
};

function Alerts() {
  const ids = useId();
  const [status, setStatus] = useState<StatusFilter>('open');
  const [severity, setSeverity] = useState<SeverityFilter>('all');
  const events = useQuery({
    queryKey: SECURITY_EVENTS_KEY,
    queryFn: ({ signal }) => securityEvents(0, 1000, signal),
    refetchInterval: 10_000,
  });
  return (
    <QueryView query={events} loading="Loading security events…" context="Loading security events">
      {(all) => {
        const bySeverity = all.filter((e) => severity === 'all' || e.severity === severity);
        const count = (s: string) => bySeverity.filter((e) => e.status === s).length;
        const shown = bySeverity
          .filter((e) => status === 'all' || e.status === status)
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
              <div className="filter-row">
                <div className="field field-inline">
                  <label htmlFor={`${ids}-status`}>Status</label>
                  <select
                    id={`${ids}-status`}
                    value={status}
                    onChange={(e) => {
                      setStatus(e.target.value as StatusFilter);
                    }}
                  >
                    <option value="open">Open ({count('open')})</option>
                    <option value="acknowledged">Acknowledged ({count('acknowledged')})</option>
                    <option value="resolved">Resolved ({count('resolved')})</option>
                    <option value="all">All ({bySeverity.length})</option>
                  </select>
                </div>
                <div className="field field-inline">
                  <label htmlFor={`${ids}-severity`}>Severity</label>
                  <select
                    id={`${ids}-severity`}
                    value={severity}
                    onChange={(e) => {
                      setSeverity(e.target.value as SeverityFilter);
                    }}
                  >
                    <option value="all">All severities</option>
                    <option value="critical">Critical</option>
                    <option value="warning">Warning</option>
                    <option value="info">Info</option>
                  </select>
                </div>
              </div>
              {shown.length === 0 ? (
                <Empty title="Nothing here" />
              ) : (
                <div className="table-wrap">
                  <table className="table" data-testid="security-events">
                    <thead>
                      <tr>
                        <th scope="col">Time</th>
                        <th scope="col">Alert</th>
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

type Action = 'acknowledged' | 'resolved';

function AlertRow({ event }: { event: SecurityEvent }) {
  const [action, setAction] = useState<Action | null>(null);
  const description = ruleDescription(event.kind);
  return (
    <tr data-kind={event.kind} data-status={event.status} data-id={event.id}>
      <td>
        <DateTime value={event.time} />
      </td>
      <td>
        <strong>{ruleLabel(event.kind)}</strong>
        <div>
          <code className="small">{event.kind}</code>
        </div>
        {description && <div className="muted small">{description}</div>}
      </td>
      <td>
        <span className={severityPill(event.severity)}>{event.severity}</span>
      </td>
      <td className="small">
        {(event.user_id ?? event.client_addr) && (
          <div>
            {event.user_id && (
              <>
                User <ShortId id={event.user_id} />{' '}
              </>
            )}
            {event.client_addr && <span className="muted">from {event.client_addr}</span>}
          </div>
        )}
        <code className="selectable break">{event.details}</code>
        <Evidence indexes={event.evidence} />
      </td>
      <td>
        <span className="small">{STATUS_LABEL[event.status] ?? event.status}</span>
        {event.status_time && (
          <div className="muted small">
            <DateTime value={event.status_time} />
            {event.status_by && (
              <>
                {' '}
                by <ShortId id={event.status_by} />
              </>
            )}
          </div>
        )}
        {!event.status_time && event.status_by && (
          <div className="muted small">
            by <ShortId id={event.status_by} />
          </div>
        )}
        {event.status_note && (
          <p className="status-note small" data-testid="status-note">
            “{event.status_note}”
          </p>
        )}
      </td>
      <td>
        {action ? (
          <StatusForm
            event={event}
            action={action}
            onDone={() => {
              setAction(null);
            }}
          />
        ) : (
          <div className="button-row">
            {event.status === 'open' && (
              <button
                type="button"
                className="button button-secondary button-small"
                onClick={() => {
                  setAction('acknowledged');
                }}
              >
                Acknowledge
              </button>
            )}
            {event.status !== 'resolved' && (
              <button
                type="button"
                className="button button-secondary button-small"
                onClick={() => {
                  setAction('resolved');
                }}
              >
                Resolve
              </button>
            )}
          </div>
        )}
      </td>
    </tr>
  );
}

/** The audit log entries an alert rests on, as links into the audit log. */
function Evidence({ indexes }: { indexes: readonly number[] }) {
  if (indexes.length === 0) return null;
  return (
    <div className="evidence">
      <span className="muted">Evidence:</span>
      <ul className="evidence-list" aria-label="Evidence in the audit log">
        {indexes.map((i) => (
          <li key={i}>
            <Link to={`/audit/log?index=${String(i)}`}>Audit entry #{i}</Link>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Acknowledge (note optional) or resolve (note required) one alert. */
function StatusForm({
  event,
  action,
  onDone,
}: {
  event: SecurityEvent;
  action: Action;
  onDone: () => void;
}) {
  const ids = useId();
  const queryClient = useQueryClient();
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const required = action === 'resolved';
  const verb = action === 'resolved' ? 'Resolve' : 'Acknowledge';
  const mutation = useMutation({
    mutationFn: () => setSecurityEventStatus(event.id, action, note),
    onSuccess: onDone,
    onSettled: () => queryClient.invalidateQueries({ queryKey: SECURITY_EVENTS_KEY }),
  });
  const onSubmit = (e: SubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    const trimmed = note.trim();
    if (required && trimmed === '') {
      setError('Say why the alert is resolved.');
      return;
    }
    if (trimmed.length > STATUS_NOTE_MAX) {
      setError(`Keep the note to ${String(STATUS_NOTE_MAX)} characters.`);
      return;
    }
    setError(null);
    mutation.mutate();
  };
  return (
    <form
      className="status-form"
      onSubmit={onSubmit}
      noValidate
      aria-label={`${verb} alert ${String(event.id)}`}
    >
      <label htmlFor={`${ids}-note`}>{required ? 'Note (required)' : 'Note (optional)'}</label>
      <textarea
        id={`${ids}-note`}
        value={note}
        maxLength={STATUS_NOTE_MAX}
        aria-invalid={error !== null}
        aria-describedby={`${ids}-hint${error ? ` ${ids}-error` : ''}`}
        // The user just asked for this form: start typing the note.
        // eslint-disable-next-line jsx-a11y/no-autofocus
        autoFocus
        onChange={(e) => {
          setNote(e.target.value);
        }}
      />
      <p id={`${ids}-hint`} className="field-hint">
        {note.trim().length}/{STATUS_NOTE_MAX} · the note is audited with the change.
      </p>
      {error && (
        <p id={`${ids}-error`} className="field-error" role="alert">
          {error}
        </p>
      )}
      <div className="button-row">
        <button
          type="submit"
          className="button button-primary button-small"
          disabled={mutation.isPending}
        >
          {verb}
        </button>
        <button type="button" className="button button-secondary button-small" onClick={onDone}>
          Cancel
        </button>
      </div>
      {mutation.isError && (
        <ProblemAlert error={mutation.error} context="Updating the alert" compact />
      )}
    </form>
  );
}
