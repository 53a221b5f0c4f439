import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { CircleCheck, CircleX, Clock } from 'lucide-react';
import { myAuditEvents } from '../../api/audit';
import { ProblemAlert } from '../../api/ProblemAlert';
import { latestCheckpoint, type AuditEntry } from '../../api/staff';
import { activityEvent, outcomeLabel } from '../../audit/actionLabels';
import { KeyProvenance } from '../../audit/SignatureStatus';
import { fetchAuditKey, useAuditKey } from '../../audit/useAuditKey';
import { verifyOwnEvent } from '../../audit/verifyOwnEvent';
import { PageHeader } from '../../components/PageHeader';
import { DateTime, Empty, Loading, RoleGate } from '../../ledger/ui';

/** Events asked of the server per page. */
export const ACTIVITY_PAGE = 100;

/** The customer's own audit events, each verifiable against the signed log in this browser. */
export function ActivityPage() {
  return (
    <>
      <PageHeader
        eyebrow="Security"
        title="My activity"
        description="What you did at pqbank, as recorded in the bank’s tamper-evident audit log. Verify any event: this browser checks that it is in the log the bank signed."
      />
      <RoleGate area="customer">
        <Activity />
      </RoleGate>
    </>
  );
}

function Activity() {
  const auditKey = useAuditKey();
  const query = useInfiniteQuery({
    queryKey: ['me', 'audit'],
    queryFn: ({ pageParam, signal }) => myAuditEvents(pageParam, ACTIVITY_PAGE, signal),
    initialPageParam: null as number | null,
    getNextPageParam: (last) =>
      last.length < ACTIVITY_PAGE ? undefined : (last[last.length - 1]?.index ?? undefined),
  });
  const events = query.data?.pages.flat() ?? [];
  return (
    <>
      <section className="card" aria-label="How verification works">
        <p>
          <strong>Verify</strong> fetches the bank’s latest signed checkpoint of the audit log,
          checks its signature (ML-DSA-65 + Ed25519) and then the Merkle proof that your event is in
          it, all in this browser (RFC 9162).
        </p>
        {auditKey.data && <KeyProvenance auditKey={auditKey.data} />}
      </section>
      <section className="card" aria-label="Your activity">
        {query.isPending ? (
          <Loading label="Loading your activity…" />
        ) : query.isError && events.length === 0 ? (
          <ProblemAlert
            error={query.error}
            context="Loading your activity"
            onRetry={() => {
              void query.refetch();
            }}
          />
        ) : events.length === 0 ? (
          <Empty title="No activity yet">
            <p>Sign-ins, transfers and device changes appear here.</p>
          </Empty>
        ) : (
          <>
            <p className="muted">Oldest first.</p>
            <div className="table-wrap">
              <table className="table" data-testid="my-activity">
                <thead>
                  <tr>
                    <th scope="col">Time</th>
                    <th scope="col">Action</th>
                    <th scope="col">Resource</th>
                    <th scope="col">Outcome</th>
                    <th scope="col">Proof</th>
                  </tr>
                </thead>
                <tbody>
                  {events.map((e) => (
                    <EventRow key={e.index} entry={e} />
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
        {query.isError && events.length > 0 && (
          <ProblemAlert error={query.error} context="Loading more activity" />
        )}
        {query.hasNextPage && (
          <div className="button-row">
            <button
              type="button"
              className="button button-secondary"
              disabled={query.isFetchingNextPage}
              onClick={() => {
                void query.fetchNextPage();
              }}
            >
              {query.isFetchingNextPage ? 'Loading…' : 'Load more'}
            </button>
          </div>
        )}
      </section>
    </>
  );
}

function EventRow({ entry }: { entry: AuditEntry }) {
  const queryClient = useQueryClient();
  const e = activityEvent(entry.leaf);
  const verify = useMutation({
    mutationFn: async () => {
      const key = await fetchAuditKey(queryClient);
      // Always the newest checkpoint: an event just made may be covered by now.
      const checkpoint = await latestCheckpoint();
      queryClient.setQueryData(['audit', 'checkpoint'], checkpoint);
      return verifyOwnEvent(entry, key, checkpoint);
    },
  });
  const result = verify.data;
  return (
    <tr data-index={entry.index} data-action={e?.action ?? ''}>
      <td>{e?.time ? <DateTime value={e.time} /> : '—'}</td>
      <td>
        {e ? (
          <span title={e.action}>{e.label}</span>
        ) : (
          <span className="muted">(unreadable event)</span>
        )}
      </td>
      <td>{e?.resource ?? ''}</td>
      <td>{e ? outcomeLabel(e) : ''}</td>
      <td>
        <button
          type="button"
          className="button button-secondary button-small"
          aria-label={`Verify event #${String(entry.index)}${e ? ` (${e.label})` : ''}`}
          disabled={verify.isPending}
          onClick={() => {
            verify.mutate();
          }}
        >
          {verify.isPending ? 'Verifying…' : 'Verify'}
        </button>
        <div aria-live="polite">
          {verify.isError && <ProblemAlert error={verify.error} context="Verifying the event" />}
          {result && (
            <p
              className={
                result.state === 'verified'
                  ? 'notice notice-info'
                  : result.state === 'pending'
                    ? 'notice'
                    : 'notice notice-warn'
              }
              role="status"
              data-testid="activity-verify-result"
              data-state={result.state}
              data-checkpoint-size={result.checkpointSize}
            >
              {result.state === 'verified' ? (
                <CircleCheck aria-hidden="true" className="inline-icon" />
              ) : result.state === 'pending' ? (
                <Clock aria-hidden="true" className="inline-icon" />
              ) : (
                <CircleX aria-hidden="true" className="inline-icon" />
              )}{' '}
              {result.message}
              {result.signature && (
                <>
                  <br />
                  <small>{result.signature}</small>
                </>
              )}
            </p>
          )}
        </div>
      </td>
    </tr>
  );
}
