import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type SubmitEvent } from 'react';
import { ProblemAlert } from '../../api/ProblemAlert';
import { listAccounts, setAccountStatus, setOverdraft, type Account } from '../../api/ledger';
import { PageHeader } from '../../components/PageHeader';
import { isZeroAmount, kindLabel } from '../../ledger/format';
import { isUuid } from '../../ledger/transfer';
import {
  AccountStatusPill,
  Amount,
  ConfirmAction,
  Empty,
  Loading,
  RoleGate,
} from '../../ledger/ui';
import { minorToDecimalString, parseAmountInput } from '../../money';

/** All accounts: freeze, unfreeze, overdraft limits. */
export function ManagerAccountsPage() {
  return (
    <>
      <PageHeader
        eyebrow="Management"
        title="Accounts"
        description="Freeze or unfreeze accounts and set overdraft limits. Every change is audited."
      />
      <RoleGate area="manager">
        <AccountTable />
      </RoleGate>
    </>
  );
}

function AccountTable() {
  const ids = useId();
  const [owner, setOwner] = useState('');
  const ownerFilter = isUuid(owner.trim().toLowerCase()) ? owner.trim().toLowerCase() : '';
  const [selected, setSelected] = useState<string | null>(null);
  const query = useInfiniteQuery({
    queryKey: ['accounts', 'all', ownerFilter],
    queryFn: ({ pageParam, signal }) =>
      listAccounts(
        {
          limit: 50,
          ...(pageParam ? { after: pageParam } : {}),
          ...(ownerFilter ? { owner_id: ownerFilter } : {}),
        },
        signal,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next,
  });
  const items = (query.data?.pages.flatMap((p) => p.items) ?? []).filter(
    (a) => a.kind !== 'cash' && a.kind !== 'suspense',
  );
  const current = items.find((a) => a.id === selected);
  return (
    <>
      <section className="card" aria-label="Accounts">
        <div className="field field-inline">
          <label htmlFor={`${ids}-owner`}>Customer id</label>
          <input
            id={`${ids}-owner`}
            type="search"
            spellCheck={false}
            placeholder="all customers"
            value={owner}
            onChange={(e) => {
              setOwner(e.target.value);
            }}
          />
        </div>
        {query.isPending ? (
          <Loading label="Loading accounts…" />
        ) : query.isError && items.length === 0 ? (
          <ProblemAlert error={query.error} context="Loading accounts" />
        ) : items.length === 0 ? (
          <Empty title="No accounts" />
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="manager-accounts">
              <thead>
                <tr>
                  <th scope="col">Account</th>
                  <th scope="col">Owner</th>
                  <th scope="col" className="num">
                    Balance
                  </th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((a) => (
                  <tr key={a.id} data-account={a.id} aria-selected={a.id === selected}>
                    <td>
                      {kindLabel(a.kind)}
                      <br />
                      <code className="selectable small">{a.id}</code>
                    </td>
                    <td>
                      <code className="small">{a.owner_id ?? '—'}</code>
                    </td>
                    <td className="num">
                      <Amount money={a.balance.posted} />
                    </td>
                    <td>
                      <AccountStatusPill status={a.status} />
                    </td>
                    <td>
                      <button
                        type="button"
                        className="button button-secondary button-small"
                        aria-label={`Manage account ${a.id}`}
                        onClick={() => {
                          setSelected(a.id === selected ? null : a.id);
                        }}
                      >
                        Manage
                      </button>
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
            More accounts
          </button>
        )}
      </section>
      {current && (
        <ManageAccount
          key={current.id}
          account={current}
          onClose={() => {
            setSelected(null);
          }}
        />
      )}
    </>
  );
}

function ManageAccount({ account, onClose }: { account: Account; onClose: () => void }) {
  const ids = useId();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const [limit, setLimit] = useState(account.overdraft_limit.amount);
  const [state, setState] = useState<
    | { kind: 'idle' }
    | { kind: 'busy' }
    | { kind: 'done'; message: string }
    | { kind: 'failed'; error: unknown }
  >({ kind: 'idle' });

  const run = async (action: () => Promise<Account>, message: string) => {
    setState({ kind: 'busy' });
    try {
      await action();
      setState({ kind: 'done', message });
      await queryClient.invalidateQueries({ queryKey: ['accounts'] });
    } catch (error) {
      setState({ kind: 'failed', error });
    }
  };

  const parsedLimit = isZeroAmount(limit.trim())
    ? { ok: true as const, minor: 0n }
    : parseAmountInput(limit, account.currency);
  const onOverdraft = (e: SubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (!parsedLimit.ok) return;
    const amount = minorToDecimalString(parsedLimit.minor, account.currency);
    void run(
      () =>
        setOverdraft(
          account.id,
          { amount, currency: account.currency },
          reason.trim() || undefined,
        ),
      'Overdraft limit saved.',
    );
  };
  const busy = state.kind === 'busy';
  const frozen = account.status === 'frozen';

  return (
    <section className="card" aria-labelledby={`${ids}-title`} data-testid="manage-account">
      <div className="account-card-head">
        <h2 id={`${ids}-title`} className="card-title">
          {kindLabel(account.kind)} <code className="small">{account.id}</code>
        </h2>
        <button type="button" className="button button-secondary button-small" onClick={onClose}>
          Close
        </button>
      </div>
      <div className="form">
        <div className="field">
          <label htmlFor={`${ids}-reason`}>Reason (kept in the audit log)</label>
          <input
            id={`${ids}-reason`}
            type="text"
            maxLength={200}
            value={reason}
            onChange={(e) => {
              setReason(e.target.value);
            }}
          />
        </div>
        <div className="button-row">
          {account.status === 'open' && (
            <ConfirmAction
              label="Freeze account"
              question="Freeze this account? No money can leave or arrive until it is unfrozen."
              confirmLabel="Freeze"
              disabled={busy}
              onConfirm={() => {
                void run(
                  () => setAccountStatus(account.id, 'frozen', reason.trim() || undefined),
                  'Account frozen.',
                );
              }}
            />
          )}
          {frozen && (
            <ConfirmAction
              label="Unfreeze account"
              question="Unfreeze this account? Transfers from and to it are allowed again."
              confirmLabel="Unfreeze"
              danger={false}
              disabled={busy}
              onConfirm={() => {
                void run(
                  () => setAccountStatus(account.id, 'open', reason.trim() || undefined),
                  'Account unfrozen.',
                );
              }}
            />
          )}
        </div>
      </div>
      {account.kind === 'current' && (
        <form className="form form-inline" onSubmit={onOverdraft} noValidate>
          <div className="field">
            <label htmlFor={`${ids}-limit`}>Overdraft limit ({account.currency})</label>
            <input
              id={`${ids}-limit`}
              type="text"
              inputMode="decimal"
              value={limit}
              aria-invalid={!parsedLimit.ok}
              onChange={(e) => {
                setLimit(e.target.value);
              }}
            />
          </div>
          <button
            type="submit"
            className="button button-secondary"
            disabled={busy || !parsedLimit.ok}
          >
            Save limit
          </button>
        </form>
      )}
      <div aria-live="polite">
        {state.kind === 'done' && <p className="notice notice-info">{state.message}</p>}
        {state.kind === 'failed' && (
          <ProblemAlert error={state.error} context="The change was not made" />
        )}
      </div>
    </section>
  );
}
