import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type SubmitEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ProblemAlert } from '../../api/ProblemAlert';
import {
  listAccounts,
  listUsers,
  openAccount,
  type Account,
  type UserSummary,
} from '../../api/ledger';
import { PageHeader } from '../../components/PageHeader';
import { BANK_CURRENCIES, kindLabel } from '../../ledger/format';
import { AccountStatusPill, Amount, Empty, Loading, QueryView, RoleGate } from '../../ledger/ui';

/** Find a customer, see their accounts, open a new one. */
export function CustomersPage() {
  return (
    <>
      <PageHeader
        eyebrow="Branch"
        title="Customers"
        description="Find a customer, see their accounts and open new ones."
        actions={
          <Link to="/clerk/onboarding" className="button button-secondary">
            Onboard a customer
          </Link>
        }
      />
      <RoleGate area="clerk">
        <Customers />
      </RoleGate>
    </>
  );
}

const PAGE = 50;

function Customers() {
  const ids = useId();
  const [params, setParams] = useSearchParams();
  const selected = params.get('user');
  const [filter, setFilter] = useState('');
  const users = useInfiniteQuery({
    queryKey: ['users'],
    queryFn: ({ pageParam, signal }) =>
      listUsers({ limit: PAGE, ...(pageParam ? { after: pageParam } : {}) }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.length === PAGE ? (last.at(-1)?.username ?? null) : null),
  });
  const all = (users.data?.pages.flat() ?? []).filter((u) => u.roles.includes('customer'));
  const needle = filter.trim().toLowerCase();
  const shown = needle
    ? all.filter(
        (u) =>
          u.username.includes(needle) ||
          u.legal_name.toLowerCase().includes(needle) ||
          u.email.toLowerCase().includes(needle) ||
          u.id === needle,
      )
    : all;
  const current = all.find((u) => u.id === selected);
  return (
    <div className="split">
      <section className="card" aria-label="Customer list">
        <div className="field">
          <label htmlFor={`${ids}-q`}>Search</label>
          <input
            id={`${ids}-q`}
            type="search"
            placeholder="name, username, e-mail or id"
            value={filter}
            onChange={(e) => {
              setFilter(e.target.value);
            }}
          />
        </div>
        {users.isPending ? (
          <Loading label="Loading customers…" />
        ) : users.isError && all.length === 0 ? (
          <ProblemAlert error={users.error} context="Loading customers" />
        ) : shown.length === 0 ? (
          <Empty title="No customers found" />
        ) : (
          <ul className="pick-list" data-testid="customer-list">
            {shown.map((u) => (
              <li key={u.id}>
                <button
                  type="button"
                  className={u.id === selected ? 'pick is-selected' : 'pick'}
                  aria-pressed={u.id === selected}
                  onClick={() => {
                    setParams({ user: u.id });
                  }}
                >
                  <span className="pick-title">{u.legal_name}</span>
                  <span className="pick-sub">
                    {u.username} · {u.status}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )}
        {users.hasNextPage && (
          <button
            type="button"
            className="button button-secondary button-small"
            onClick={() => {
              void users.fetchNextPage();
            }}
          >
            More customers
          </button>
        )}
      </section>
      {current ? (
        <CustomerAccounts key={current.id} user={current} />
      ) : (
        <section className="card">
          <Empty title="Choose a customer">
            <p>Their accounts appear here.</p>
          </Empty>
        </section>
      )}
    </div>
  );
}

function CustomerAccounts({ user }: { user: UserSummary }) {
  const ids = useId();
  const queryClient = useQueryClient();
  const accounts = useQuery({
    queryKey: ['accounts', 'owner', user.id],
    queryFn: ({ signal }) =>
      listAccounts({ owner_id: user.id, limit: 200 }, signal).then((p) => p.items),
  });
  const [kind, setKind] = useState<'current' | 'savings'>('current');
  const [currency, setCurrency] = useState<string>('EUR');
  const [state, setState] = useState<
    | { kind: 'idle' }
    | { kind: 'busy' }
    | { kind: 'done'; account: Account }
    | { kind: 'failed'; error: unknown }
  >({ kind: 'idle' });

  const onSubmit = async (e: SubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    setState({ kind: 'busy' });
    try {
      const account = await openAccount({ owner_id: user.id, kind, currency });
      setState({ kind: 'done', account });
      await queryClient.invalidateQueries({ queryKey: ['accounts'] });
    } catch (error) {
      setState({ kind: 'failed', error });
    }
  };

  return (
    <section className="card" aria-labelledby={`${ids}-title`} data-testid="customer-accounts">
      <h2 id={`${ids}-title`} className="card-title">
        {user.legal_name}
      </h2>
      <p className="card-subtitle">
        {user.username} · {user.email} · <code className="selectable">{user.id}</code>
      </p>
      <QueryView
        query={accounts}
        loading="Loading accounts…"
        context="Loading the customer’s accounts"
      >
        {(list) =>
          list.length === 0 ? (
            <p className="muted">No accounts yet.</p>
          ) : (
            <ul className="plain-list" aria-label="Accounts">
              {list.map((a) => (
                <li key={a.id} className="account-row" data-account={a.id}>
                  <span>
                    {kindLabel(a.kind)} · {a.currency}
                    <br />
                    <code className="selectable small">{a.id}</code>
                  </span>
                  <span className="account-row-end">
                    <Amount money={a.balance.posted} /> <AccountStatusPill status={a.status} />
                  </span>
                </li>
              ))}
            </ul>
          )
        }
      </QueryView>
      <h3 className="subheading">Open an account</h3>
      <form
        className="form form-inline"
        onSubmit={(e) => {
          void onSubmit(e);
        }}
      >
        <div className="field">
          <label htmlFor={`${ids}-kind`}>Kind</label>
          <select
            id={`${ids}-kind`}
            value={kind}
            onChange={(e) => {
              setKind(e.target.value === 'savings' ? 'savings' : 'current');
            }}
          >
            <option value="current">Current account</option>
            <option value="savings">Savings account</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${ids}-currency`}>Currency</label>
          <select
            id={`${ids}-currency`}
            value={currency}
            onChange={(e) => {
              setCurrency(e.target.value);
            }}
          >
            {BANK_CURRENCIES.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="button button-primary" disabled={state.kind === 'busy'}>
          {state.kind === 'busy' ? 'Opening…' : 'Open account'}
        </button>
      </form>
      <div aria-live="polite">
        {state.kind === 'done' && (
          <p className="notice notice-info" data-testid="opened-account">
            Opened {kindLabel(state.account.kind)}{' '}
            <code className="selectable">{state.account.id}</code>
          </p>
        )}
        {state.kind === 'failed' && (
          <ProblemAlert error={state.error} context="The account was not opened" />
        )}
      </div>
    </section>
  );
}
