import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type SubmitEvent } from 'react';
import { ProblemAlert } from '../../api/ProblemAlert';
import { ledgerSettings, type LedgerSettings } from '../../api/ledger';
import {
  IDENTITY_SETTINGS_KEY,
  MONITORING_SETTINGS_KEY,
  identitySettings,
  monitoringSettings,
  putLedgerSettings,
  putMonitoringSettings,
  type IdentitySettings,
  type MonitoringSettings,
} from '../../api/staff';
import { PageHeader } from '../../components/PageHeader';
import { QueryView, RoleGate } from '../../ledger/ui';
import {
  CURRENCY_EXPONENTS,
  minorToDecimalString,
  parseAmountInput,
  formatMoneyValue,
} from '../../money';
import {
  durationText,
  FAILED_LOGIN_FIELDS,
  UNUSUAL_FIELDS,
  VELOCITY_FIELDS,
  draftOf,
  validateDraft,
  type CountField,
  type CountKey,
  type MonitoringDraft,
} from './monitoringRules';

const SETTINGS_KEY = ['settings', 'ledger'] as const;

/** The four-eyes approval policy: thresholds per currency and how long approvals may wait. */
export function SecuritySettingsPage() {
  return (
    <>
      <PageHeader
        eyebrow="Administration"
        title="Security settings"
        description="Transfers at or above a currency's threshold need a manager's signed approval; pending ones expire after the waiting time. The monitoring rules decide when the bank raises security alerts. Changes are audited. The sign-in and session limits are shown for reference; the server's configuration sets them."
      />
      <RoleGate area="admin">
        <Settings />
        <Monitoring />
        <Identity />
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

function Monitoring() {
  const settings = useQuery({
    queryKey: MONITORING_SETTINGS_KEY,
    queryFn: ({ signal }) => monitoringSettings(signal),
  });
  return (
    <QueryView
      query={settings}
      loading="Loading the monitoring rules…"
      context="Loading the monitoring rules"
    >
      {(s) => <MonitoringForm settings={s} />}
    </QueryView>
  );
}

function MonitoringForm({ settings }: { settings: MonitoringSettings }) {
  const ids = useId();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<MonitoringDraft>(() => draftOf(settings));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [adding, setAdding] = useState('');
  const save = useMutation({
    mutationFn: putMonitoringSettings,
    onSuccess: (s) => {
      queryClient.setQueryData(MONITORING_SETTINGS_KEY, s);
      setDraft(draftOf(s));
    },
  });
  const listed = new Set(draft.amounts.map((a) => a.currency));
  const addable = Object.keys(CURRENCY_EXPONENTS).filter((c) => !listed.has(c));
  const onSubmit = (e: SubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    const result = validateDraft(draft);
    if (!result.ok) {
      setErrors(result.errors);
      save.reset();
      return;
    }
    setErrors({});
    save.mutate(result.settings);
  };
  const setCount = (key: CountKey, text: string) => {
    setDraft({ ...draft, counts: { ...draft.counts, [key]: text } });
  };
  const countField = (f: CountField) => {
    const id = `${ids}-${f.key}`;
    const error = errors[f.key];
    const value = draft.counts[f.key];
    const seconds = f.seconds && /^\d+$/.test(value.trim()) ? Number(value) : null;
    return (
      <div className="field" key={f.key}>
        <label htmlFor={id}>{f.label}</label>
        <input
          id={id}
          inputMode="numeric"
          value={value}
          aria-invalid={error !== undefined}
          aria-describedby={`${id}-hint${error ? ` ${id}-error` : ''}`}
          onChange={(e) => {
            setCount(f.key, e.target.value);
          }}
        />
        <p id={`${id}-hint`} className="field-hint">
          {f.hint} ({f.min.toLocaleString()}–{f.max.toLocaleString()}
          {seconds !== null ? `; now ${durationText(seconds)}` : ''})
        </p>
        {error && (
          <p id={`${id}-error`} className="field-error">
            {error}
          </p>
        )}
      </div>
    );
  };
  const errorCount = Object.keys(errors).length;
  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`} className="card-title">
        Monitoring rules
      </h2>
      <form className="form" onSubmit={onSubmit} noValidate aria-labelledby={`${ids}-title`}>
        <fieldset className="fieldset">
          <legend>Failed sign-ins</legend>
          {FAILED_LOGIN_FIELDS.map(countField)}
        </fieldset>
        <fieldset className="fieldset">
          <legend>Transfer velocity</legend>
          {VELOCITY_FIELDS.map(countField)}
          {draft.amounts.length === 0 && (
            <p className="muted">No amount limits: only the number of transfers is watched.</p>
          )}
          {draft.amounts.map((a, i) => {
            const id = `${ids}-amount-${a.currency}`;
            const error = errors[`amount-${a.currency}`];
            return (
              <div className="field" key={a.currency}>
                <label htmlFor={id}>Most sent per window ({a.currency})</label>
                <div className="form-inline">
                  <input
                    id={id}
                    inputMode="decimal"
                    value={a.text}
                    aria-invalid={error !== undefined}
                    aria-describedby={error ? `${id}-error` : undefined}
                    onChange={(e) => {
                      const amounts = draft.amounts.slice();
                      amounts[i] = { currency: a.currency, text: e.target.value };
                      setDraft({ ...draft, amounts });
                    }}
                  />
                  <button
                    type="button"
                    className="button button-secondary button-small"
                    aria-label={`Remove the ${a.currency} limit`}
                    onClick={() => {
                      setDraft({
                        ...draft,
                        amounts: draft.amounts.filter((x) => x.currency !== a.currency),
                      });
                    }}
                  >
                    Remove
                  </button>
                </div>
                {error && (
                  <p id={`${id}-error`} className="field-error">
                    {error}
                  </p>
                )}
              </div>
            );
          })}
          <div className="field">
            <label htmlFor={`${ids}-add`}>Add a limit for</label>
            <div className="form-inline">
              <select
                id={`${ids}-add`}
                value={adding}
                onChange={(e) => {
                  setAdding(e.target.value);
                }}
              >
                <option value="">Choose a currency…</option>
                {addable.map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </select>
              <button
                type="button"
                className="button button-secondary button-small"
                disabled={adding === ''}
                onClick={() => {
                  setDraft({
                    ...draft,
                    amounts: [...draft.amounts, { currency: adding, text: '' }],
                  });
                  setAdding('');
                }}
              >
                Add currency
              </button>
            </div>
          </div>
        </fieldset>
        <fieldset className="fieldset">
          <legend>Unusual amounts</legend>
          {UNUSUAL_FIELDS.map(countField)}
        </fieldset>
        {errorCount > 0 && (
          <p className="field-error" role="alert">
            Check the {errorCount === 1 ? 'field' : `${String(errorCount)} fields`} marked below
            their input.
          </p>
        )}
        <button type="submit" className="button button-primary" disabled={save.isPending}>
          Save monitoring rules
        </button>
        {save.isSuccess && (
          <p className="notice notice-info" role="status">
            Monitoring rules saved.
          </p>
        )}
      </form>
      {save.isError && <ProblemAlert error={save.error} context="Saving the monitoring rules" />}
    </section>
  );
}

function Identity() {
  const settings = useQuery({
    queryKey: IDENTITY_SETTINGS_KEY,
    queryFn: ({ signal }) => identitySettings(signal),
  });
  return (
    <QueryView
      query={settings}
      loading="Loading the sign-in and session limits…"
      context="Loading the sign-in and session limits"
    >
      {(s) => <IdentityPanel settings={s} />}
    </QueryView>
  );
}

const plural = (n: number, one: string, many: string) =>
  `${n.toLocaleString()} ${n === 1 ? one : many}`;

/** Read-only: these limits come from the server's configuration, not from the database. */
function IdentityPanel({ settings: s }: { settings: IdentitySettings }) {
  const ids = useId();
  const long = (seconds: number) => durationText(seconds, 'long');
  const rows: [string, string][] = [
    ['Account lock', `after ${plural(s.lockout_threshold, 'failed sign-in', 'failed sign-ins')}`],
    [
      'Lock duration',
      `${long(s.lockout_base_seconds)} at first, doubling with each further failure, up to ${long(s.lockout_max_seconds)}`,
    ],
    ['Session timeout', `${long(s.session_idle_seconds)} idle`],
    ['Session lifetime', `${long(s.session_absolute_seconds)} at most`],
    ['Sign-in challenge', `valid for ${long(s.challenge_ttl_seconds)}`],
    ['Activation and reset codes', `valid for ${long(s.activation_ttl_seconds)}`],
    ['Request clock tolerance', `${long(s.mac_skew_seconds)} either way`],
    [
      'Sign-in rate',
      `${plural(s.login_rate_per_minute, 'attempt', 'attempts')} per minute per client address (per server instance)`,
    ],
  ];
  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`} className="card-title">
        Sign-in and sessions
      </h2>
      <p className="muted" id={`${ids}-note`}>
        Read-only. These limits come from the server&apos;s configuration (command-line flags or{' '}
        <code>PQBANK_*</code> environment variables, see &ldquo;Configuration&rdquo; in the README)
        and its built-in defaults. Operators change them there and restart the server; they cannot
        be changed on this page.
      </p>
      <dl className="facts" aria-labelledby={`${ids}-title`} aria-describedby={`${ids}-note`}>
        {rows.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
