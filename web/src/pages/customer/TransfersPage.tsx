import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { ArrowLeftRight, ListChecks } from 'lucide-react';
import { useId, useState, type ReactNode, type SubmitEvent } from 'react';
import { Link, useParams } from 'react-router';
import { ProblemAlert } from '../../api/ProblemAlert';
import {
  getTransfer,
  ledgerSettings,
  listAccounts,
  listTransfers,
  type Account,
  type LedgerSettings,
} from '../../api/ledger';
import { PageHeader } from '../../components/PageHeader';
import type { TransferPayload } from '../../crypto/payload';
import { accountLabel, kindLabel } from '../../ledger/format';
import { SignReview } from '../../ledger/SignReview';
import { deviceSigner } from '../../ledger/signing';
import { TransferDetails } from '../../ledger/TransferDetails';
import {
  buildTransferPayload,
  codePoints,
  MAX_REFERENCE_CHARS,
  validateTransferForm,
  type TransferForm,
  type TransferFormErrors,
} from '../../ledger/transfer';
import {
  Amount,
  DateTime,
  Empty,
  Loading,
  QueryView,
  RoleGate,
  ShortId,
  TransferStatusPill,
} from '../../ledger/ui';
import { formatMoneyValue } from '../../money';

const STATUSES = [
  ['', 'All'],
  ['posted', 'Posted'],
  ['pending_approval', 'Pending approval'],
  ['rejected', 'Rejected'],
  ['expired', 'Expired'],
] as const;

/** The customer's transfers, newest first, with a status filter and paging. */
export function TransfersPage() {
  return (
    <>
      <PageHeader
        eyebrow="My banking"
        title="Transfers"
        description="Money you sent and received, and transfers waiting for approval."
        actions={
          <>
            <Link to="/transfers/bulk" className="button button-secondary">
              <ListChecks aria-hidden="true" />
              Bulk payment
            </Link>
            <Link to="/transfers/new" className="button button-primary">
              <ArrowLeftRight aria-hidden="true" />
              New transfer
            </Link>
          </>
        }
      />
      <RoleGate area="customer">
        <TransferList />
      </RoleGate>
    </>
  );
}

function TransferList() {
  const ids = useId();
  const [status, setStatus] = useState('');
  const query = useInfiniteQuery({
    queryKey: ['transfers', 'mine', status],
    queryFn: ({ pageParam, signal }) =>
      listTransfers({ status, after: pageParam, limit: 20 }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next,
    // Pending transfers change when a manager decides: keep the list fresh.
    refetchInterval: 5000,
  });
  const items = query.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section className="card" aria-label="Your transfers">
      <div className="field field-inline">
        <label htmlFor={`${ids}-status`}>Status</label>
        <select
          id={`${ids}-status`}
          value={status}
          onChange={(e) => {
            setStatus(e.target.value);
          }}
        >
          {STATUSES.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      {query.isPending ? (
        <Loading label="Loading transfers…" />
      ) : query.isError && items.length === 0 ? (
        <ProblemAlert error={query.error} context="Loading transfers" />
      ) : items.length === 0 ? (
        <Empty title="No transfers">
          <p>Transfers you send or receive appear here.</p>
        </Empty>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="transfers">
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Reference</th>
                <th scope="col">From → To</th>
                <th scope="col" className="num">
                  Amount
                </th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {items.map((t) => (
                <tr key={t.id} data-transfer={t.id}>
                  <td>
                    <Link to={`/transfers/${t.id}`}>
                      <DateTime value={t.created_at} />
                    </Link>
                  </td>
                  <td>{t.reference || <span className="muted">{kindLabel(t.kind)}</span>}</td>
                  <td>
                    <ShortId id={t.from_account} /> → <ShortId id={t.to_account} />
                  </td>
                  <td className="num">
                    <Amount money={t.amount} />
                  </td>
                  <td>
                    <TransferStatusPill status={t.status} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {query.hasNextPage && (
        <button
          type="button"
          className="button button-secondary"
          disabled={query.isFetchingNextPage}
          onClick={() => {
            void query.fetchNextPage();
          }}
        >
          {query.isFetchingNextPage ? 'Loading…' : 'Show older transfers'}
        </button>
      )}
    </section>
  );
}

/** One transfer with its signed payload (live while pending). */
export function TransferDetailPage() {
  const { transferId = '' } = useParams();
  return (
    <>
      <PageHeader eyebrow="My banking" title="Transfer" description={<ShortId id={transferId} />} />
      <RoleGate area="customer">
        <LiveTransfer id={transferId} />
      </RoleGate>
    </>
  );
}

function LiveTransfer({ id }: { id: string }) {
  const query = useQuery({
    queryKey: ['transfer', id],
    queryFn: ({ signal }) => getTransfer(id, signal),
    refetchInterval: (q) => (q.state.data?.status === 'pending_approval' ? 3000 : false),
  });
  return (
    <QueryView query={query} loading="Loading the transfer…" context="Loading the transfer">
      {(t) => <TransferDetails transfer={t} />}
    </QueryView>
  );
}

/** New transfer: form → review of the exact payload → signed in the browser → result. */
export function NewTransferPage() {
  return (
    <>
      <PageHeader
        eyebrow="My banking"
        title="New transfer"
        description="Your device key signs the transfer in this browser; the key never leaves it."
      />
      <RoleGate area="customer">
        <NewTransfer />
      </RoleGate>
    </>
  );
}

function NewTransfer() {
  const settings = useQuery({
    queryKey: ['settings', 'ledger'],
    queryFn: ({ signal }) => ledgerSettings(signal),
  });
  return (
    <PayableAccounts>
      {(list) => <TransferWizard accounts={list} settings={settings.data} />}
    </PayableAccounts>
  );
}

/** The customer's accounts, for a form that pays from one of them (or why there are none). */
export function PayableAccounts({ children }: { children: (accounts: Account[]) => ReactNode }) {
  const accounts = useQuery({
    queryKey: ['accounts', 'mine'],
    queryFn: ({ signal }) => listAccounts({ limit: 200 }, signal).then((p) => p.items),
  });
  return (
    <QueryView query={accounts} loading="Loading your accounts…" context="Loading your accounts">
      {(list) =>
        list.length === 0 ? (
          <div className="card">
            <Empty title="No account to pay from">
              <p>Ask at a branch to open an account first.</p>
            </Empty>
          </div>
        ) : (
          children(list)
        )
      }
    </QueryView>
  );
}

const EMPTY_FORM: TransferForm = { fromAccount: '', toAccount: '', amount: '', reference: '' };

/** The transfer form and its review step. */
export function TransferWizard({
  accounts,
  settings,
}: {
  accounts: readonly Account[];
  settings?: LedgerSettings | undefined;
}) {
  const usable = accounts.filter((a) => a.status === 'open');
  const [form, setForm] = useState<TransferForm>({
    ...EMPTY_FORM,
    fromAccount: usable[0]?.id ?? '',
  });
  const [errors, setErrors] = useState<TransferFormErrors>({});
  const [review, setReview] = useState<{ payload: TransferPayload; from: Account } | null>(null);
  const [signError, setSignError] = useState<unknown>(null);
  const ids = useId();

  if (review) {
    return (
      <SignReview
        payload={review.payload}
        channel="transfer"
        fromLabel={accountLabel(review.from)}
        toLabel={review.payload.to_account}
        detailsPath="/transfers/"
        onBack={() => {
          setReview(null);
        }}
        onNew={() => {
          setReview(null);
          setForm({ ...EMPTY_FORM, fromAccount: form.fromAccount });
        }}
      />
    );
  }

  const from = accounts.find((a) => a.id === form.fromAccount);
  const threshold = from && settings?.thresholds.find((t) => t.currency === from.currency);

  const onSubmit = (e: SubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    const result = validateTransferForm(form, accounts);
    if (!result.ok) {
      setErrors(result.errors);
      return;
    }
    setErrors({});
    if (!from) return;
    try {
      const signer = deviceSigner();
      setReview({
        payload: buildTransferPayload(result.draft, signer.certSerial, signer.now()),
        from,
      });
      setSignError(null);
    } catch (error) {
      setSignError(error);
    }
  };

  const field = (name: keyof TransferForm) => ({
    id: `${ids}-${name}`,
    'aria-invalid': errors[name] !== undefined,
    'aria-describedby': errors[name] ? `${ids}-${name}-error` : undefined,
  });
  const errorText = (name: keyof TransferForm) =>
    errors[name] && (
      <p className="field-error" id={`${ids}-${name}-error`}>
        {errors[name]}
      </p>
    );
  const set = (name: keyof TransferForm) => (value: string) => {
    setForm((f) => ({ ...f, [name]: value }));
  };

  return (
    <section className="card" aria-label="Transfer details">
      <form className="form" noValidate onSubmit={onSubmit}>
        <div className="field">
          <label htmlFor={`${ids}-fromAccount`}>From account</label>
          <select
            {...field('fromAccount')}
            value={form.fromAccount}
            onChange={(e) => {
              set('fromAccount')(e.target.value);
            }}
          >
            {form.fromAccount === '' && <option value="">Choose an account</option>}
            {accounts.map((a) => (
              <option key={a.id} value={a.id} disabled={a.status !== 'open'}>
                {accountLabel(a)} —{' '}
                {a.balance.available ? formatMoneyValue(a.balance.available) : ''} available
                {a.status !== 'open' ? ` (${a.status})` : ''}
              </option>
            ))}
          </select>
          {errorText('fromAccount')}
        </div>
        <div className="field">
          <label htmlFor={`${ids}-toAccount`}>To account number</label>
          <input
            {...field('toAccount')}
            type="text"
            inputMode="text"
            autoComplete="off"
            spellCheck={false}
            placeholder="0192b6a4-3c5d-7e6f-8a9b-0c1d2e3f4a01"
            value={form.toAccount}
            onChange={(e) => {
              set('toAccount')(e.target.value);
            }}
          />
          {errorText('toAccount')}
        </div>
        <div className="field">
          <label htmlFor={`${ids}-amount`}>Amount{from ? ` (${from.currency})` : ''}</label>
          <input
            {...field('amount')}
            type="text"
            inputMode="decimal"
            autoComplete="off"
            placeholder="0.00"
            value={form.amount}
            onChange={(e) => {
              set('amount')(e.target.value);
            }}
          />
          {errorText('amount')}
          {threshold && (
            <p className="field-hint">
              Transfers of {formatMoneyValue(threshold)} or more wait for a manager’s approval.
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor={`${ids}-reference`}>Reference (optional)</label>
          <input
            {...field('reference')}
            type="text"
            autoComplete="off"
            value={form.reference}
            onChange={(e) => {
              set('reference')(e.target.value);
            }}
          />
          <p className="field-hint">
            {codePoints(form.reference).length} / {MAX_REFERENCE_CHARS} characters
          </p>
          {errorText('reference')}
        </div>
        <button type="submit" className="button button-primary">
          Review
        </button>
      </form>
      {signError !== null && <ProblemAlert error={signError} context="Preparing the signature" />}
    </section>
  );
}
