import { useQueryClient } from '@tanstack/react-query';
import { useId, useState, type SubmitEvent } from 'react';
import { Link } from 'react-router';
import { ProblemAlert } from '../../api/ProblemAlert';
import type { Account } from '../../api/ledger';
import { PageHeader } from '../../components/PageHeader';
import {
  checkBulk,
  MAX_BULK_LINES,
  signAndSubmitBulk,
  type BulkCheck,
  type BulkOutcome,
} from '../../ledger/bulk';
import { accountLabel } from '../../ledger/format';
import { deviceSigner } from '../../ledger/signing';
import { RoleGate, ShortId } from '../../ledger/ui';
import { formatMoneyValue, minorToDecimalString } from '../../money';
import { PayableAccounts } from './TransfersPage';

const EXAMPLE = `to,amount,reference
0192b6a4-3c5d-7e6f-8a9b-0c1d2e3f4a02,1500.00,Salary November`;

function amountText(minor: bigint, currency: string): string {
  return formatMoneyValue({ amount: minorToDecimalString(minor, currency), currency });
}

/** Bulk payments: many transfers from one account, each signed by this browser's device. */
export function BulkPaymentPage() {
  return (
    <>
      <PageHeader
        eyebrow="My banking"
        title="Bulk payment"
        description="Pay many people at once, such as salaries. Your device key signs every transfer in this browser."
      />
      <RoleGate area="customer">
        <BulkPayment />
      </RoleGate>
    </>
  );
}

function BulkPayment() {
  return <PayableAccounts>{(list) => <BulkForm accounts={list} />}</PayableAccounts>;
}

type Step =
  | { kind: 'edit' }
  | { kind: 'sending'; done: number; total: number }
  | { kind: 'done'; outcomes: BulkOutcome[]; from: Account };

/** The list, its check, signing and sending, and the results. */
export function BulkForm({ accounts }: { accounts: readonly Account[] }) {
  const usable = accounts.filter((a) => a.status === 'open');
  const [fromId, setFromId] = useState(usable[0]?.id ?? '');
  const [text, setText] = useState('');
  const [check, setCheck] = useState<BulkCheck | null>(null);
  const [step, setStep] = useState<Step>({ kind: 'edit' });
  const [error, setError] = useState<unknown>(null);
  const queryClient = useQueryClient();
  const ids = useId();
  const from = accounts.find((a) => a.id === fromId);

  if (step.kind === 'done') {
    return (
      <BulkResults
        outcomes={step.outcomes}
        from={step.from}
        onNew={() => {
          setText('');
          setCheck(null);
          setStep({ kind: 'edit' });
        }}
      />
    );
  }

  const onCheck = (e: SubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    setError(null);
    setCheck(
      from ? checkBulk(text, from) : { ok: false, error: 'Choose the account to pay from.' },
    );
  };

  const send = async () => {
    if (!from || !check?.ok) return;
    setError(null);
    const total = check.lines.length;
    setStep({ kind: 'sending', done: 0, total });
    try {
      const outcomes = await signAndSubmitBulk(from, check.lines, deviceSigner(), (done) => {
        setStep({ kind: 'sending', done, total });
      });
      setStep({ kind: 'done', outcomes, from });
      await queryClient.invalidateQueries();
    } catch (err) {
      setError(err);
      setStep({ kind: 'edit' });
    }
  };

  const sending = step.kind === 'sending';
  return (
    <section className="card" aria-label="Bulk payment">
      <form className="form" noValidate onSubmit={onCheck}>
        <div className="field">
          <label htmlFor={`${ids}-from`}>From account</label>
          <select
            id={`${ids}-from`}
            value={fromId}
            disabled={sending}
            onChange={(e) => {
              setFromId(e.target.value);
              setCheck(null);
            }}
          >
            {fromId === '' && <option value="">Choose an account</option>}
            {accounts.map((a) => (
              <option key={a.id} value={a.id} disabled={a.status !== 'open'}>
                {accountLabel(a)} —{' '}
                {a.balance.available ? formatMoneyValue(a.balance.available) : ''} available
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${ids}-lines`}>Payments, one per line</label>
          <textarea
            id={`${ids}-lines`}
            rows={8}
            spellCheck={false}
            placeholder={EXAMPLE}
            value={text}
            disabled={sending}
            aria-describedby={`${ids}-lines-hint`}
            onChange={(e) => {
              setText(e.target.value);
              setCheck(null);
            }}
          />
          <p className="field-hint" id={`${ids}-lines-hint`}>
            Account number, amount, reference — separated by commas, up to {MAX_BULK_LINES} lines. A
            CSV file with these columns works too.
          </p>
          <input
            type="file"
            accept=".csv,text/csv,text/plain"
            aria-label="Load a CSV file"
            disabled={sending}
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (!file) return;
              void file.text().then((t) => {
                setText(t);
                setCheck(null);
              });
            }}
          />
        </div>
        <button type="submit" className="button button-secondary" disabled={sending}>
          Check
        </button>
      </form>
      {check && !check.ok && (
        <p className="field-error" role="alert">
          {check.error}
        </p>
      )}
      {check?.ok && from && (
        <div data-testid="bulk-preview">
          <p>
            {check.lines.length} transfers, {amountText(check.totalMinor, from.currency)} in total,
            from {accountLabel(from)}. Each is signed and checked on its own; large ones wait for a
            manager’s approval.
          </p>
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Line</th>
                  <th scope="col">To</th>
                  <th scope="col">Reference</th>
                  <th scope="col" className="num">
                    Amount
                  </th>
                </tr>
              </thead>
              <tbody>
                {check.lines.map((l) => (
                  <tr key={l.line}>
                    <td>{l.line}</td>
                    <td>
                      <ShortId id={l.toAccount} />
                    </td>
                    <td>{l.reference}</td>
                    <td className="num">{amountText(l.amountMinor, from.currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <button
            type="button"
            className="button button-primary"
            disabled={sending}
            onClick={() => {
              void send();
            }}
          >
            {sending
              ? `Signing and sending… ${step.done} of ${step.total}`
              : `Sign and send ${check.lines.length} transfers`}
          </button>
        </div>
      )}
      {error !== null && <ProblemAlert error={error} context="Sending the bulk payment" />}
    </section>
  );
}

function BulkResults({
  outcomes,
  from,
  onNew,
}: {
  outcomes: readonly BulkOutcome[];
  from: Account;
  onNew: () => void;
}) {
  const refused = outcomes.filter((o) => o.status >= 300).length;
  return (
    <section className="card" aria-label="Bulk payment results">
      <p role="status" data-testid="bulk-summary">
        {outcomes.length - refused} of {outcomes.length} transfers accepted
        {refused > 0 ? `, ${refused} refused` : ''}.
      </p>
      <div className="table-wrap">
        <table className="table" data-testid="bulk-results">
          <thead>
            <tr>
              <th scope="col">Line</th>
              <th scope="col">To</th>
              <th scope="col" className="num">
                Amount
              </th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {outcomes.map((o) => (
              <tr key={o.line}>
                <td>{o.line}</td>
                <td>
                  <ShortId id={o.toAccount} />
                </td>
                <td className="num">{amountText(o.amountMinor, from.currency)}</td>
                <td>
                  {o.transferId ? (
                    <Link to={`/transfers/${o.transferId}`}>
                      {o.transferStatus === 'pending_approval' ? 'Waiting for approval' : 'Sent'}
                    </Link>
                  ) : (
                    <span className="field-error">
                      Refused: {o.detail ?? o.code ?? `status ${o.status}`}
                    </span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <button type="button" className="button button-secondary" onClick={onNew}>
        New bulk payment
      </button>
    </section>
  );
}
