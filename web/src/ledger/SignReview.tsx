import { useQueryClient } from '@tanstack/react-query';
import { FileSignature, ShieldCheck } from 'lucide-react';
import { useState } from 'react';
import { Link } from 'react-router';
import { ProblemAlert } from '../api/ProblemAlert';
import type { Transfer, TransferChannel } from '../api/ledger';
import { transferCanonicalJson, type TransferPayload } from '../crypto/payload';
import { formatMoney } from '../money';
import { deviceSigner } from './signing';
import { signAndSubmitTransfer } from './transfer';
import { Amount, TransferStatusPill } from './ui';

type State =
  | { kind: 'review' }
  | { kind: 'signing' }
  | { kind: 'failed'; error: unknown }
  | { kind: 'done'; transfer: Transfer };

/**
 * The review screen of a signed operation: the facts in words, then exactly the canonical bytes
 * the device key will sign. "Sign and send" signs in this browser and submits; a retry after a
 * failure resends the same payload (same transfer id: the server answers idempotently).
 */
export function SignReview({
  payload,
  channel,
  fromLabel,
  toLabel,
  onBack,
  onNew,
  detailsPath,
}: {
  payload: TransferPayload;
  channel: TransferChannel;
  fromLabel: string;
  toLabel: string;
  onBack: () => void;
  onNew: () => void;
  /** Where the transfer's page is (`id` appended). */
  detailsPath?: string;
}) {
  const [state, setState] = useState<State>({ kind: 'review' });
  const queryClient = useQueryClient();
  const canonical = transferCanonicalJson(payload);

  const sign = async () => {
    setState({ kind: 'signing' });
    try {
      const transfer = await signAndSubmitTransfer(channel, payload, deviceSigner());
      setState({ kind: 'done', transfer });
      await queryClient.invalidateQueries();
    } catch (error) {
      setState({ kind: 'failed', error });
    }
  };

  if (state.kind === 'done') {
    const t = state.transfer;
    const pending = t.status === 'pending_approval';
    return (
      <section className="card" aria-labelledby="result-title" data-testid="transfer-result">
        <h2 id="result-title" className="card-title">
          {pending ? 'Sent for approval' : t.status === 'posted' ? 'Done' : 'Not booked'}
        </h2>
        <p className="result-line">
          <Amount money={t.amount} /> <TransferStatusPill status={t.status} />
        </p>
        <p className="muted" role="status">
          {pending
            ? 'This amount needs a manager’s approval. The money is reserved until then; you can follow it under Transfers.'
            : t.status === 'posted'
              ? 'The transfer is booked.'
              : `Status: ${t.status}.`}
        </p>
        <p className="muted">
          Transfer id <code className="selectable">{t.id}</code>
        </p>
        <div className="button-row">
          {detailsPath && (
            <Link className="button button-secondary" to={`${detailsPath}${t.id}`}>
              View details
            </Link>
          )}
          <button type="button" className="button button-primary" onClick={onNew}>
            New {channel === 'transfer' ? 'transfer' : 'operation'}
          </button>
        </div>
      </section>
    );
  }

  const busy = state.kind === 'signing';
  return (
    <section className="card" aria-labelledby="review-title">
      <h2 id="review-title" className="card-title">
        Review and sign
      </h2>
      <p className="card-subtitle">
        Check every detail. Your device key signs exactly the text below; nobody can change it
        afterwards.
      </p>
      <dl className="facts review-facts">
        <div>
          <dt>From</dt>
          <dd>{fromLabel}</dd>
        </div>
        <div>
          <dt>To</dt>
          <dd>{toLabel}</dd>
        </div>
        <div>
          <dt>Amount</dt>
          <dd data-testid="review-amount">
            <strong>{formatMoney(payload.amount, payload.currency)}</strong>
          </dd>
        </div>
        <div>
          <dt>Reference</dt>
          <dd>{payload.reference || <span className="muted">(none)</span>}</dd>
        </div>
      </dl>
      <h3 className="subheading">
        <FileSignature aria-hidden="true" className="inline-icon" /> What will be signed
      </h3>
      <p className="muted small">
        Canonical payload (JSON, RFC 8785), signature context <code>pqbank/transfer/v1</code>,
        composite ML-DSA-65 + Ed25519.
      </p>
      <pre className="payload" data-testid="canonical-payload" aria-label="Payload to sign">
        {canonical}
      </pre>
      {state.kind === 'failed' && (
        <ProblemAlert error={state.error} context="The transfer was not accepted" />
      )}
      <div className="button-row">
        <button
          type="button"
          className="button button-primary"
          disabled={busy}
          onClick={() => {
            void sign();
          }}
        >
          <ShieldCheck aria-hidden="true" />
          {busy ? 'Signing…' : state.kind === 'failed' ? 'Sign and send again' : 'Sign and send'}
        </button>
        <button type="button" className="button button-secondary" disabled={busy} onClick={onBack}>
          Back to edit
        </button>
      </div>
    </section>
  );
}
