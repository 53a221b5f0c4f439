import { useQuery } from '@tanstack/react-query';
import { useId, useState, type SubmitEvent } from 'react';
import { ProblemAlert } from '../../api/ProblemAlert';
import { cashAccounts, getAccount, type Account } from '../../api/ledger';
import { PageHeader } from '../../components/PageHeader';
import type { TransferPayload } from '../../crypto/payload';
import { accountLabel } from '../../ledger/format';
import { SignReview } from '../../ledger/SignReview';
import { deviceSigner } from '../../ledger/signing';
import { buildTransferPayload, isUuid, referenceError } from '../../ledger/transfer';
import { QueryView, RoleGate } from '../../ledger/ui';
import { parseAmountInput } from '../../money';

type Operation = 'deposit' | 'withdraw';

/** Cash deposits and withdrawals at the counter, signed with the clerk's device. */
export function CashDeskPage() {
  return (
    <>
      <PageHeader
        eyebrow="Branch"
        title="Cash desk"
        description="Record cash paid in or paid out. You sign every booking with your device key."
      />
      <RoleGate area="clerk">
        <CashDesk />
      </RoleGate>
    </>
  );
}

function CashDesk() {
  const cash = useQuery({
    queryKey: ['cash-accounts'],
    queryFn: ({ signal }) => cashAccounts(signal),
  });
  return (
    <QueryView
      query={cash}
      loading="Loading the cash desk…"
      context="Loading the cash desk accounts"
    >
      {(desks) => <CashForm desks={desks} />}
    </QueryView>
  );
}

interface Errors {
  account?: string;
  amount?: string;
  reference?: string;
}

function CashForm({ desks }: { desks: readonly Account[] }) {
  const ids = useId();
  const [operation, setOperation] = useState<Operation>('deposit');
  const [accountId, setAccountId] = useState('');
  const [amount, setAmount] = useState('');
  const [reference, setReference] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [review, setReview] = useState<{
    payload: TransferPayload;
    customer: Account;
    desk: Account;
  } | null>(null);

  if (review) {
    const { customer, desk, payload } = review;
    const deposit = operation === 'deposit';
    return (
      <SignReview
        payload={payload}
        channel={operation}
        fromLabel={deposit ? `${accountLabel(desk)} (${desk.currency})` : accountLabel(customer)}
        toLabel={deposit ? accountLabel(customer) : `${accountLabel(desk)} (${desk.currency})`}
        onBack={() => {
          setReview(null);
        }}
        onNew={() => {
          setReview(null);
          setAmount('');
          setReference('');
        }}
      />
    );
  }

  const onSubmit = async (e: SubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    setFailure(null);
    const id = accountId.trim().toLowerCase();
    const found: Errors = {};
    if (!isUuid(id)) found.account = 'Enter the customer’s account number.';
    const refError = referenceError(reference);
    if (refError) found.reference = refError;
    if (amount.trim() === '') found.amount = 'Enter an amount.';
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      const customer = await getAccount(id);
      const desk = desks.find((d) => d.kind === 'cash' && d.currency === customer.currency);
      const parsed = parseAmountInput(amount, customer.currency);
      if (!parsed.ok) {
        setErrors({ amount: parsed.error });
        return;
      }
      if (!desk) {
        setErrors({ account: `The cash desk holds no ${customer.currency}.` });
        return;
      }
      const signer = deviceSigner();
      const deposit = operation === 'deposit';
      const payload = buildTransferPayload(
        {
          fromAccount: deposit ? desk.id : customer.id,
          toAccount: deposit ? customer.id : desk.id,
          amountMinor: parsed.minor,
          currency: customer.currency,
          reference,
        },
        signer.certSerial,
        signer.now(),
      );
      setReview({ payload, customer, desk });
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  };

  const described = (name: keyof Errors) => ({
    'aria-invalid': errors[name] !== undefined,
    'aria-describedby': errors[name] ? `${ids}-${name}-error` : undefined,
  });
  const errorText = (name: keyof Errors) =>
    errors[name] && (
      <p className="field-error" id={`${ids}-${name}-error`}>
        {errors[name]}
      </p>
    );

  return (
    <section className="card" aria-label="Cash operation">
      <form
        className="form"
        noValidate
        onSubmit={(e) => {
          void onSubmit(e);
        }}
      >
        <fieldset className="segmented">
          <legend>Operation</legend>
          {(['deposit', 'withdraw'] as const).map((op) => (
            <label key={op} className={operation === op ? 'segment is-selected' : 'segment'}>
              <input
                type="radio"
                name="operation"
                value={op}
                checked={operation === op}
                onChange={() => {
                  setOperation(op);
                }}
              />
              {op === 'deposit' ? 'Deposit (cash in)' : 'Withdrawal (cash out)'}
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor={`${ids}-account`}>Customer account number</label>
          <input
            id={`${ids}-account`}
            type="text"
            spellCheck={false}
            autoComplete="off"
            value={accountId}
            {...described('account')}
            onChange={(e) => {
              setAccountId(e.target.value);
            }}
          />
          {errorText('account')}
        </div>
        <div className="field">
          <label htmlFor={`${ids}-amount`}>Amount</label>
          <input
            id={`${ids}-amount`}
            type="text"
            inputMode="decimal"
            autoComplete="off"
            value={amount}
            {...described('amount')}
            onChange={(e) => {
              setAmount(e.target.value);
            }}
          />
          {errorText('amount')}
        </div>
        <div className="field">
          <label htmlFor={`${ids}-reference`}>Reference (optional)</label>
          <input
            id={`${ids}-reference`}
            type="text"
            autoComplete="off"
            value={reference}
            {...described('reference')}
            onChange={(e) => {
              setReference(e.target.value);
            }}
          />
          {errorText('reference')}
        </div>
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Checking…' : 'Review'}
        </button>
      </form>
      {failure !== null && <ProblemAlert error={failure} context="Preparing the cash operation" />}
    </section>
  );
}
