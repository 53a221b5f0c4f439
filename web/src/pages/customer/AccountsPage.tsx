import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { ArrowLeftRight, Download } from 'lucide-react';
import { useId, useState, type SubmitEvent } from 'react';
import { Link, useParams } from 'react-router';
import { ProblemAlert } from '../../api/ProblemAlert';
import {
  fetchStatementCsv,
  getAccount,
  listAccounts,
  listTransactions,
  type Account,
} from '../../api/ledger';
import { PageHeader } from '../../components/PageHeader';
import {
  AccountStatusPill,
  Amount,
  DateTime,
  Empty,
  Loading,
  QueryView,
  RoleGate,
  ShortId,
} from '../../ledger/ui';
import { downloadText, isoDay, isZeroAmount, kindLabel } from '../../ledger/format';
import { decimalToMinor, formatMoney } from '../../money';

function totals(accounts: readonly Account[]): { currency: string; minor: bigint }[] {
  const byCurrency = new Map<string, bigint>();
  for (const a of accounts) {
    const prev = byCurrency.get(a.currency) ?? 0n;
    byCurrency.set(a.currency, prev + decimalToMinor(a.balance.posted.amount, a.currency));
  }
  return [...byCurrency].map(([currency, minor]) => ({ currency, minor }));
}

function AccountCard({ account }: { account: Account }) {
  const b = account.balance;
  return (
    <li className="card account-card" data-testid="account-card" data-account={account.id}>
      <div className="account-card-head">
        <div>
          <h2 className="card-title">
            <Link to={`/accounts/${account.id}`}>{kindLabel(account.kind)}</Link>
          </h2>
          <p className="card-subtitle">
            <code className="selectable">{account.id}</code>
          </p>
        </div>
        <AccountStatusPill status={account.status} />
      </div>
      <p className="balance" aria-label="Balance">
        <Amount money={b.posted} />
      </p>
      <dl className="facts facts-inline">
        {b.available && (
          <div>
            <dt>Available</dt>
            <dd>
              <Amount money={b.available} />
            </dd>
          </div>
        )}
        {!isZeroAmount(b.pending_debits.amount) && (
          <div>
            <dt>Reserved</dt>
            <dd>
              <Amount money={b.pending_debits} />
            </dd>
          </div>
        )}
        {!isZeroAmount(b.pending_credits.amount) && (
          <div>
            <dt>Incoming (pending)</dt>
            <dd>
              <Amount money={b.pending_credits} />
            </dd>
          </div>
        )}
      </dl>
    </li>
  );
}

/** The customer's dashboard: accounts, balances, totals per currency. */
export function AccountsPage() {
  return (
    <>
      <PageHeader
        eyebrow="My banking"
        title="Accounts"
        description="Balances of your accounts. Open one to see its transactions and statements."
        actions={
          <Link to="/transfers/new" className="button button-primary">
            <ArrowLeftRight aria-hidden="true" />
            New transfer
          </Link>
        }
      />
      <RoleGate area="customer">
        <AccountList />
      </RoleGate>
    </>
  );
}

function AccountList() {
  const query = useQuery({
    queryKey: ['accounts', 'mine'],
    queryFn: ({ signal }) => listAccounts({ limit: 200 }, signal).then((p) => p.items),
  });
  return (
    <QueryView query={query} loading="Loading your accounts…" context="Loading your accounts">
      {(accounts) =>
        accounts.length === 0 ? (
          <div className="card">
            <Empty title="No accounts yet">
              <p>Ask at a branch to open an account; it appears here straight away.</p>
            </Empty>
          </div>
        ) : (
          <>
            <section className="card totals" aria-label="Total balance">
              {totals(accounts).map((t) => (
                <p key={t.currency} className="total">
                  <span className="muted">Total in {t.currency}</span>{' '}
                  <strong data-testid={`total-${t.currency}`}>
                    {formatMoney(t.minor, t.currency)}
                  </strong>
                </p>
              ))}
            </section>
            <ul className="account-grid" aria-label="Your accounts">
              {accounts.map((a) => (
                <AccountCard key={a.id} account={a} />
              ))}
            </ul>
          </>
        )
      }
    </QueryView>
  );
}

/** One account: balances, transactions (paged) and the CSV statement. */
export function AccountDetailPage() {
  const { accountId = '' } = useParams();
  return (
    <>
      <PageHeader eyebrow="My banking" title="Account" description={<ShortId id={accountId} />} />
      <RoleGate area="customer">
        <AccountDetail accountId={accountId} />
      </RoleGate>
    </>
  );
}

/** Balances, bookings and the statement of an account (customers and staff). */
export function AccountDetail({ accountId }: { accountId: string }) {
  const account = useQuery({
    queryKey: ['account', accountId],
    queryFn: ({ signal }) => getAccount(accountId, signal),
  });
  return (
    <QueryView query={account} loading="Loading the account…" context="Loading the account">
      {(a) => (
        <>
          <section className="card" aria-label="Balances">
            <div className="account-card-head">
              <div>
                <h2 className="card-title">{kindLabel(a.kind)}</h2>
                <p className="card-subtitle">
                  <code className="selectable">{a.id}</code> · {a.currency}
                </p>
              </div>
              <AccountStatusPill status={a.status} />
            </div>
            <p className="balance">
              <Amount money={a.balance.posted} />
            </p>
            <dl className="facts facts-inline">
              {a.balance.available && (
                <div>
                  <dt>Available</dt>
                  <dd>
                    <Amount money={a.balance.available} />
                  </dd>
                </div>
              )}
              <div>
                <dt>Reserved</dt>
                <dd>
                  <Amount money={a.balance.pending_debits} />
                </dd>
              </div>
              <div>
                <dt>Overdraft limit</dt>
                <dd>
                  <Amount money={a.overdraft_limit} />
                </dd>
              </div>
            </dl>
          </section>
          <Transactions account={a} />
          <Statement account={a} />
        </>
      )}
    </QueryView>
  );
}

const PAGE_SIZE = 20;

function Transactions({ account }: { account: Account }) {
  const query = useInfiniteQuery({
    queryKey: ['transactions', account.id],
    queryFn: ({ pageParam, signal }) =>
      listTransactions(account.id, { before: pageParam, limit: PAGE_SIZE }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next,
  });
  const entries = query.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section className="card" aria-labelledby="tx-title">
      <h2 id="tx-title" className="card-title">
        Transactions
      </h2>
      {query.isPending ? (
        <Loading label="Loading transactions…" />
      ) : query.isError && entries.length === 0 ? (
        <ProblemAlert error={query.error} context="Loading transactions" />
      ) : entries.length === 0 ? (
        <Empty title="No transactions yet" />
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="transactions">
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Description</th>
                <th scope="col">Counterparty</th>
                <th scope="col" className="num">
                  Amount
                </th>
                <th scope="col" className="num">
                  Balance
                </th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.seq}>
                  <td>
                    <DateTime value={e.time} />
                  </td>
                  <td>
                    {e.reference || <span className="muted">{kindLabel(e.kind)}</span>}
                    {e.reference && <span className="muted small"> · {kindLabel(e.kind)}</span>}
                  </td>
                  <td>
                    <ShortId id={e.counterparty} />
                  </td>
                  <td className="num">
                    <Amount money={e.amount} signed />
                  </td>
                  <td className="num">
                    <Amount money={e.balance_after} />
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
          {query.isFetchingNextPage ? 'Loading…' : 'Show older transactions'}
        </button>
      )}
    </section>
  );
}

function Statement({ account }: { account: Account }) {
  const ids = useId();
  const today = new Date();
  const [from, setFrom] = useState(isoDay(new Date(today.getTime() - 30 * 86_400_000)));
  const [to, setTo] = useState(isoDay(today));
  const [state, setState] = useState<
    { kind: 'idle' } | { kind: 'busy' } | { kind: 'done' } | { kind: 'failed'; error: unknown }
  >({ kind: 'idle' });
  const invalid = !from || !to || from > to;
  const onSubmit = async (e: SubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (invalid) return;
    setState({ kind: 'busy' });
    try {
      const csv = await fetchStatementCsv(account.id, from, to);
      downloadText(csv, `statement-${account.id}-${from}-${to}.csv`);
      setState({ kind: 'done' });
    } catch (error) {
      setState({ kind: 'failed', error });
    }
  };
  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`} className="card-title">
        Statement
      </h2>
      <form
        className="form form-inline"
        onSubmit={(e) => {
          void onSubmit(e);
        }}
      >
        <div className="field">
          <label htmlFor={`${ids}-from`}>From</label>
          <input
            id={`${ids}-from`}
            type="date"
            value={from}
            max={to}
            onChange={(e) => {
              setFrom(e.target.value);
            }}
          />
        </div>
        <div className="field">
          <label htmlFor={`${ids}-to`}>To</label>
          <input
            id={`${ids}-to`}
            type="date"
            value={to}
            min={from}
            onChange={(e) => {
              setTo(e.target.value);
            }}
          />
        </div>
        <button
          type="submit"
          className="button button-secondary"
          disabled={invalid || state.kind === 'busy'}
        >
          <Download aria-hidden="true" />
          {state.kind === 'busy' ? 'Preparing…' : 'Download CSV'}
        </button>
      </form>
      <div aria-live="polite">
        {invalid && <p className="field-error">The first day must not be after the last.</p>}
        {state.kind === 'done' && <p className="muted">Statement downloaded.</p>}
        {state.kind === 'failed' && (
          <ProblemAlert error={state.error} context="Downloading the statement" compact />
        )}
      </div>
    </section>
  );
}
