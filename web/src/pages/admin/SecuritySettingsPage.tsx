import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type SubmitEvent } from 'react';
import { ProblemAlert } from '../../api/ProblemAlert';
import { ledgerSettings, type LedgerSettings } from '../../api/ledger';
import { putLedgerSettings } from '../../api/staff';
import { PageHeader } from '../../components/PageHeader';
import { QueryView, RoleGate } from '../../ledger/ui';
import { minorToDecimalString, parseAmountInput, formatMoneyValue } from '../../money';

const SETTINGS_KEY = ['settings', 'ledger'] as const;

/** The four-eyes approval policy: thresholds per currency and how long approvals may wait. */
export function SecuritySettingsPage() {
  return (
    <>
      <PageHeader
        eyebrow="Administration"
        title="Security settings"
        description="Transfers at or above a currency's threshold need a manager's signed approval; pending ones expire after the waiting time. Changes are audited."
      />
      <RoleGate area="admin">
        <Settings />
      </RoleGate>
    </>
  );
}

function Settings() {
  const settings = useQuery({
    queryKey: SETTINGS_KEY,
    queryFn: ({ signal }) => ledgerSettings(signal),
  });
  return (
    <QueryView query={settings} loading="Loading settings…" context="Loading the ledger settings">
      {(s) => <SettingsForm settings={s} />}
    </QueryView>
  );
}

function SettingsForm({ settings }: { settings: LedgerSettings }) {
  const ids = useId();
  const queryClient = useQueryClient();
  const [amounts, setAmounts] = useState<Record<string, string>>(() =>
    Object.fromEntries(settings.thresholds.map((t) => [t.currency, t.amount])),
  );
  const [ttlHours, setTtlHours] = useState(String(settings.pending_ttl_seconds / 3600));
  const [error, setError] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: putLedgerSettings,
    onSuccess: (s) => {
      queryClient.setQueryData(SETTINGS_KEY, s);
    },
  });
  const onSubmit = (e: SubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    const thresholds = [];
    for (const [currency, text] of Object.entries(amounts)) {
      const parsed = parseAmountInput(text, currency);
      if (!parsed.ok) {
        setError(`${currency}: ${parsed.error}`);
        return;
      }
      thresholds.push({ currency, amount: minorToDecimalString(parsed.minor, currency) });
    }
    const hours = Number(ttlHours);
    if (!Number.isFinite(hours) || hours <= 0) {
      setError('Enter the waiting time in hours (more than 0).');
      return;
    }
    setError(null);
    save.mutate({ thresholds, pending_ttl_seconds: Math.round(hours * 3600) });
  };
  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`} className="card-title">
        Approval policy
      </h2>
      <form className="form" onSubmit={onSubmit} noValidate>
        {settings.thresholds.map((t) => (
          <div className="field" key={t.currency}>
            <label htmlFor={`${ids}-${t.currency}`}>Approval threshold ({t.currency})</label>
            <input
              id={`${ids}-${t.currency}`}
              inputMode="decimal"
              value={amounts[t.currency] ?? ''}
              onChange={(e) => {
                setAmounts({ ...amounts, [t.currency]: e.target.value });
              }}
            />
            <p className="field-hint">Now {formatMoneyValue(t)}</p>
          </div>
        ))}
        <div className="field">
          <label htmlFor={`${ids}-ttl`}>Pending approvals expire after (hours)</label>
          <input
            id={`${ids}-ttl`}
            inputMode="decimal"
            value={ttlHours}
            onChange={(e) => {
              setTtlHours(e.target.value);
            }}
          />
        </div>
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="button button-primary" disabled={save.isPending}>
          Save settings
        </button>
        {save.isSuccess && (
          <p className="notice notice-info" role="status">
            Saved.
          </p>
        )}
      </form>
      {save.isError && <ProblemAlert error={save.error} context="Saving the settings" />}
    </section>
  );
}
