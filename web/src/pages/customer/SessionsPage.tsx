import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ProblemAlert } from '../../api/ProblemAlert';
import {
  listDevices,
  listSessions,
  revokeSession,
  SECURITY_KEYS,
  type UserSession,
  type WhoAmI,
} from '../../api/security';
import { PageHeader } from '../../components/PageHeader';
import { ConfirmAction, DateTime, Empty, QueryView, RoleGate, ShortId } from '../../ledger/ui';
import { useWhoAmI } from './useWhoAmI';

/** Where the customer is signed in; end the other sessions. */
export function SessionsPage() {
  return (
    <>
      <PageHeader
        eyebrow="Security"
        title="Sessions"
        description="Where you are signed in. If you do not recognise a session, sign it out and remove its device."
      />
      <RoleGate area="customer">
        <Sessions />
      </RoleGate>
    </>
  );
}

function Sessions() {
  const me = useWhoAmI();
  return (
    <QueryView query={me} loading="Loading your sessions…" context="Loading who you are">
      {(who) => <SessionList me={who} />}
    </QueryView>
  );
}

function SessionList({ me }: { me: WhoAmI }) {
  const sessions = useQuery({
    queryKey: [...SECURITY_KEYS.sessions, me.userId],
    queryFn: ({ signal }) => listSessions(me.userId, signal),
  });
  // Device names make the list readable; without them the device id is shown.
  const devices = useQuery({
    queryKey: [...SECURITY_KEYS.devices, me.userId],
    queryFn: ({ signal }) => listDevices(me.userId, signal),
  });
  const names = new Map((devices.data ?? []).map((d) => [d.id, d.name]));
  return (
    <QueryView query={sessions} loading="Loading your sessions…" context="Loading your sessions">
      {(list) => {
        const active = list
          .filter((s) => s.active)
          .sort(
            (a, b) =>
              Number(b.current || b.id === me.sessionId) -
                Number(a.current || a.id === me.sessionId) ||
              b.last_seen_at.localeCompare(a.last_seen_at),
          );
        const others = active.filter((s) => !isCurrent(s, me));
        return (
          <section className="card" aria-label="Active sessions">
            {active.length === 0 ? (
              <Empty title="No active sessions" />
            ) : (
              <>
                <p className="muted">
                  {others.length === 0
                    ? 'You are signed in here only.'
                    : `You are signed in here and in ${String(others.length)} other ${others.length === 1 ? 'session' : 'sessions'}.`}
                </p>
                <div className="table-wrap">
                  <table className="table" data-testid="sessions">
                    <thead>
                      <tr>
                        <th scope="col">Device</th>
                        <th scope="col">Signed in</th>
                        <th scope="col">Last active</th>
                        <th scope="col">Ends</th>
                        <th scope="col">From</th>
                        <th scope="col">
                          <span className="sr-only">Actions</span>
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {active.map((s) => (
                        <SessionRow
                          key={s.id}
                          session={s}
                          me={me}
                          deviceName={names.get(s.device_id)}
                        />
                      ))}
                    </tbody>
                  </table>
                </div>
              </>
            )}
          </section>
        );
      }}
    </QueryView>
  );
}

function isCurrent(s: UserSession, me: WhoAmI): boolean {
  return s.current || s.id === me.sessionId;
}

function SessionRow({
  session,
  me,
  deviceName,
}: {
  session: UserSession;
  me: WhoAmI;
  deviceName: string | undefined;
}) {
  const queryClient = useQueryClient();
  const current = isCurrent(session, me);
  const revoke = useMutation({
    mutationFn: () => revokeSession(me.userId, session.id),
    onSettled: () => queryClient.invalidateQueries({ queryKey: SECURITY_KEYS.sessions }),
  });
  const label = deviceName ?? 'Unknown device';
  return (
    <tr data-session={session.id} data-current={current}>
      <td>
        {deviceName ?? <ShortId id={session.device_id} />}{' '}
        {current && <span className="pill pill-ok">This session</span>}
        {session.user_agent && <div className="muted small break">{session.user_agent}</div>}
      </td>
      <td>
        <DateTime value={session.created_at} />
      </td>
      <td>
        <DateTime value={session.last_seen_at} />
      </td>
      <td>
        <DateTime value={session.expires_at} />
      </td>
      <td>{session.client_addr ?? <span className="muted">unknown</span>}</td>
      <td>
        {!current && (
          <ConfirmAction
            label="Sign out"
            question={`Sign out the session on ${label} (signed in ${new Date(session.created_at).toLocaleString()})? It is refused from its next request.`}
            confirmLabel="Sign out session"
            disabled={revoke.isPending}
            onConfirm={() => {
              revoke.mutate();
            }}
          />
        )}
        {revoke.isError && <ProblemAlert error={revoke.error} context="Signing out the session" />}
      </td>
    </tr>
  );
}
