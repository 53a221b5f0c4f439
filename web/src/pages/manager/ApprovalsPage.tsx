import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ShieldCheck } from 'lucide-react';
import { useId, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ProblemAlert } from '../../api/ProblemAlert';
import { approvalQueue, getTransfer, rejectTransfer, type Transfer } from '../../api/ledger';
import { PageHeader } from '../../components/PageHeader';
import { approvalCanonicalJson, type ApprovalPayload } from '../../crypto/payload';
import { kindLabel } from '../../ledger/format';
import { deviceSigner } from '../../ledger/signing';
import { TransferDetails } from '../../ledger/TransferDetails';
import { buildApprovalPayload, codePoints, signAndApprove } from '../../ledger/transfer';
import {
  Amount,
  ConfirmAction,
  DateTime,
  Empty,
  QueryView,
  RoleGate,
  ShortId,
  TransferStatusPill,
} from '../../ledger/ui';

/** The queue of transfers waiting for a second signature, oldest first; refreshed live. */
export function ApprovalsPage() {
  return (
    <>
      <PageHeader
        eyebrow="Management"
        title="Approvals"
        description="Transfers at or above the approval threshold wait here for a manager’s signature."
      />
      <RoleGate area="manager">
        <Queue />
      </RoleGate>
    </>
  );
}

function Queue() {
  const query = useQuery({
    queryKey: ['approvals'],
    queryFn: ({ signal }) => approvalQueue(signal),
    refetchInterval: 3000,
  });
  return (
    <QueryView query={query} loading="Loading the queue…" context="Loading the approval queue">
      {(items) => (
        <section className="card" aria-label="Approval queue">
          <p className="muted small" aria-live="polite" data-testid="queue-count">
            {items.length === 1 ? '1 transfer waiting' : `${items.length} transfers waiting`}
          </p>
          {items.length === 0 ? (
            <Empty title="Nothing to approve">
              <p>New transfers that need approval appear here by themselves.</p>
            </Empty>
          ) : (
            <div className="table-wrap">
              <table className="table" data-testid="approval-queue">
                <thead>
                  <tr>
                    <th scope="col">Created</th>
                    <th scope="col">Kind</th>
                    <th scope="col">From → To</th>
                    <th scope="col">Reference</th>
                    <th scope="col" className="num">
                      Amount
                    </th>
                    <th scope="col">Expires</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((t) => (
                    <tr key={t.id} data-transfer={t.id}>
                      <td>
                        <Link to={`/manager/approvals/${t.id}`}>
                          <DateTime value={t.created_at} />
                        </Link>
                      </td>
                      <td>{kindLabel(t.kind)}</td>
                      <td>
                        <ShortId id={t.from_account} /> → <ShortId id={t.to_account} />
                      </td>
                      <td>{t.reference || <span className="muted">(none)</span>}</td>
                      <td className="num">
                        <Amount money={t.amount} />
                      </td>
                      <td>{t.expires_at ? <DateTime value={t.expires_at} /> : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
    </QueryView>
  );
}

/** A pending transfer: its signed payload, and the approve / reject decision. */
export function ApprovalDetailPage() {
  const { transferId = '' } = useParams();
  return (
    <>
      <PageHeader
        eyebrow="Management"
        title="Transfer approval"
        description={<ShortId id={transferId} />}
        actions={
          <Link to="/manager/approvals" className="button button-secondary">
            Back to the queue
          </Link>
        }
      />
      <RoleGate area="manager">
        <ApprovalDetail id={transferId} />
      </RoleGate>
    </>
  );
}

function ApprovalDetail({ id }: { id: string }) {
  const query = useQuery({
    queryKey: ['transfer', id],
    queryFn: ({ signal }) => getTransfer(id, signal),
  });
  return (
    <QueryView query={query} loading="Loading the transfer…" context="Loading the transfer">
      {(t) => (
        <>
          <TransferDetails transfer={t} />
          <Decision transfer={t} />
        </>
      )}
    </QueryView>
  );
}

type DecisionState =
  | { kind: 'idle' }
  | { kind: 'review'; payload: ApprovalPayload }
  | { kind: 'busy' }
  | { kind: 'failed'; error: unknown }
  | { kind: 'done'; transfer: Transfer };

function Decision({ transfer }: { transfer: Transfer }) {
  const ids = useId();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const [reasonTouched, setReasonTouched] = useState(false);
  const [state, setState] = useState<DecisionState>({ kind: 'idle' });
  const trimmed = reason.trim();
  const reasonError =
    trimmed === ''
      ? 'A rejection needs a reason.'
      : codePoints(trimmed).length > 500
        ? 'At most 500 characters.'
        : undefined;

  const prepare = () => {
    try {
      const signer = deviceSigner();
      return buildApprovalPayload(transfer, signer.certSerial, signer.now());
    } catch (error) {
      setState({ kind: 'failed', error });
      return null;
    }
  };

  const send = async (decide: () => Promise<Transfer>) => {
    setState({ kind: 'busy' });
    try {
      const done = await decide();
      setState({ kind: 'done', transfer: done });
      queryClient.setQueryData(['transfer', transfer.id], done);
      await queryClient.invalidateQueries({ queryKey: ['approvals'] });
    } catch (error) {
      setState({ kind: 'failed', error });
    }
  };

  if (state.kind === 'done') {
    return (
      <section className="card" aria-label="Decision" role="status">
        <p className="result-line">
          Decision recorded: <TransferStatusPill status={state.transfer.status} />
        </p>
        <Link to="/manager/approvals" className="button button-primary">
          Next in the queue
        </Link>
      </section>
    );
  }

  // Decided elsewhere (or expired): nothing to decide any more.
  if (transfer.status !== 'pending_approval' && state.kind !== 'busy') return null;
  const busy = state.kind === 'busy';
  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`} className="card-title">
        Decision
      </h2>
      <p className="card-subtitle">
        An approval is signed with this browser’s device key over the transfer’s payload digest
        (context <code>pqbank/approval/v1</code>); a rejection needs a reason. You cannot decide
        your own transfers.
      </p>
      {state.kind === 'review' ? (
        <>
          <h3 className="subheading">What will be signed</h3>
          <pre className="payload" data-testid="approval-payload" aria-label="Approval to sign">
            {approvalCanonicalJson(state.payload)}
          </pre>
          <div className="button-row">
            <button
              type="button"
              className="button button-primary"
              onClick={() => {
                const payload = state.payload;
                void send(() => signAndApprove(transfer, payload, deviceSigner()));
              }}
            >
              <ShieldCheck aria-hidden="true" />
              Sign approval
            </button>
            <button
              type="button"
              className="button button-secondary"
              onClick={() => {
                setState({ kind: 'idle' });
              }}
            >
              Cancel
            </button>
          </div>
        </>
      ) : (
        <div className="decision-grid">
          <div>
            <button
              type="button"
              className="button button-primary"
              disabled={busy}
              onClick={() => {
                const payload = prepare();
                if (payload) setState({ kind: 'review', payload });
              }}
            >
              Approve <Amount money={transfer.amount} />
            </button>
          </div>
          <div className="form">
            <div className="field">
              <label htmlFor={`${ids}-reason`}>Reason for rejecting</label>
              <textarea
                id={`${ids}-reason`}
                rows={2}
                value={reason}
                aria-invalid={reasonTouched && reasonError !== undefined}
                aria-describedby={reasonTouched && reasonError ? `${ids}-reason-error` : undefined}
                onChange={(e) => {
                  setReason(e.target.value);
                }}
                onBlur={() => {
                  setReasonTouched(true);
                }}
              />
              {reasonTouched && reasonError && (
                <p className="field-error" id={`${ids}-reason-error`}>
                  {reasonError}
                </p>
              )}
            </div>
            <ConfirmAction
              label="Reject"
              question="Reject this transfer? The reserved money is released and the customer sees your reason."
              confirmLabel="Reject transfer"
              disabled={busy || reasonError !== undefined}
              onConfirm={() => {
                void send(() => rejectTransfer(transfer.id, trimmed));
              }}
            />
          </div>
        </div>
      )}
      {busy && (
        <p role="status" className="muted">
          Signing and sending…
        </p>
      )}
      {state.kind === 'failed' && (
        <ProblemAlert error={state.error} context="Your decision was not recorded" />
      )}
    </section>
  );
}
