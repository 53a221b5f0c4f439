/** Small building blocks shared by the ledger pages. */
import { CircleCheck, Clock, Inbox, Lock, LoaderCircle, Ban, Hourglass } from 'lucide-react';
import { useId, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { ProblemAlert } from '../api/ProblemAlert';
import { formatMoneyValue, type MoneyValue } from '../money';
import type { Role } from '../navigation/roles';
import { useSession } from '../session/session';

/** Formatted money; `signed` shows a + for credits. Falls back to the raw text if unknown. */
export function Amount({ money, signed = false }: { money: MoneyValue; signed?: boolean }) {
  let text: string;
  try {
    text = formatMoneyValue(money, signed ? { signDisplay: 'exceptZero' } : {});
  } catch {
    text = `${money.amount} ${money.currency}`;
  }
  const negative = money.amount.startsWith('-');
  return (
    <span className={negative ? 'amount amount-debit' : signed ? 'amount amount-credit' : 'amount'}>
      {text}
    </span>
  );
}

/** The first block of a UUID, for compact display (the full id is in the title). */
export function ShortId({ id }: { id: string }) {
  return (
    <code className="short-id" title={id}>
      {id.slice(0, 8)}…{id.slice(-4)}
    </code>
  );
}

const TRANSFER_STATUS: Record<string, { label: string; icon: typeof Clock; tone: string }> = {
  posted: { label: 'Posted', icon: CircleCheck, tone: 'ok' },
  pending_approval: { label: 'Pending approval', icon: Hourglass, tone: 'degraded' },
  rejected: { label: 'Rejected', icon: Ban, tone: 'down' },
  expired: { label: 'Expired', icon: Clock, tone: 'down' },
  voided: { label: 'Voided', icon: Ban, tone: 'down' },
};

/** A transfer's status as a labelled pill (colour is never the only signal). */
export function TransferStatusPill({ status }: { status: string }) {
  const s = TRANSFER_STATUS[status] ?? { label: status, icon: Clock, tone: 'loading' };
  const Icon = s.icon;
  return (
    <span className={`pill pill-${s.tone}`} data-status={status}>
      <Icon aria-hidden="true" className="pill-icon" />
      {s.label}
    </span>
  );
}

const ACCOUNT_STATUS_TONE: Record<string, string> = {
  open: 'ok',
  frozen: 'degraded',
  closed: 'down',
};

/** An account's status. */
export function AccountStatusPill({ status }: { status: string }) {
  const tone = ACCOUNT_STATUS_TONE[status] ?? 'loading';
  return (
    <span className={`pill pill-${tone}`} data-status={status}>
      {status === 'frozen' ? <Lock aria-hidden="true" className="pill-icon" /> : null}
      {status.charAt(0).toUpperCase() + status.slice(1)}
    </span>
  );
}

/** A date-time in the user's locale (UTC in tests and e2e). */
export function DateTime({ value }: { value: string }) {
  const date = new Date(value);
  const text = Number.isNaN(date.getTime())
    ? value
    : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  return <time dateTime={value}>{text}</time>;
}

/** A loading line that screen readers announce. */
export function Loading({ label }: { label: string }) {
  return (
    <p className="loading" role="status">
      <LoaderCircle aria-hidden="true" className="inline-icon spin" />
      {label}
    </p>
  );
}

/** An empty list. */
export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty-state">
      <Inbox aria-hidden="true" className="empty-state-icon" />
      <h2>{title}</h2>
      {children}
    </div>
  );
}

/** Loading, error or content of a query. */
export function QueryView<T>({
  query,
  loading,
  context,
  children,
}: {
  query: { data: T | undefined; error: unknown; isPending: boolean; refetch: () => unknown };
  loading: string;
  context: string;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <Loading label={loading} />;
  if (query.data === undefined) {
    return (
      <ProblemAlert
        error={query.error}
        context={context}
        onRetry={() => {
          void query.refetch();
        }}
      />
    );
  }
  return <>{children(query.data)}</>;
}

/**
 * A destructive action behind a confirmation: the first click asks, a second explicit
 * "Confirm" does it; "Cancel" backs out.
 */
export function ConfirmAction({
  label,
  question,
  confirmLabel,
  onConfirm,
  disabled = false,
  danger = true,
}: {
  label: string;
  question: ReactNode;
  confirmLabel?: string;
  onConfirm: () => void;
  disabled?: boolean;
  danger?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  const id = useId();
  if (!asking) {
    return (
      <button
        type="button"
        className={danger ? 'button button-danger' : 'button button-secondary'}
        disabled={disabled}
        onClick={() => {
          setAsking(true);
        }}
      >
        {label}
      </button>
    );
  }
  return (
    <div className="confirm" role="alertdialog" aria-labelledby={`${id}-q`}>
      <p id={`${id}-q`}>{question}</p>
      <div className="button-row">
        <button
          type="button"
          className={danger ? 'button button-danger' : 'button button-primary'}
          // The user just asked for this dialog: focus its primary action.
          // eslint-disable-next-line jsx-a11y/no-autofocus
          autoFocus
          onClick={() => {
            setAsking(false);
            onConfirm();
          }}
        >
          {confirmLabel ?? label}
        </button>
        <button
          type="button"
          className="button button-secondary"
          onClick={() => {
            setAsking(false);
          }}
        >
          Cancel
        </button>
      </div>
    </div>
  );
}

/** Renders `children` only for a signed-in user holding `role`; explains otherwise. */
export function RoleGate({ area: role, children }: { area: Role; children: ReactNode }) {
  const session = useSession();
  if (!session) {
    return (
      <div className="card">
        <div className="empty-state">
          <Lock aria-hidden="true" className="empty-state-icon" />
          <h2>Sign-in required</h2>
          <p>
            This area is for the <strong>{role}</strong> role. Sign in with an enrolled device to
            open it.
          </p>
          <Link to="/" className="button button-primary">
            Go to sign-in
          </Link>
        </div>
      </div>
    );
  }
  if (!session.roles.includes(role)) {
    return (
      <div className="card">
        <div className="empty-state">
          <Lock aria-hidden="true" className="empty-state-icon" />
          <h2>Not available to you</h2>
          <p>
            This area is for the <strong>{role}</strong> role, which your account does not hold.
          </p>
        </div>
      </div>
    );
  }
  return <>{children}</>;
}
