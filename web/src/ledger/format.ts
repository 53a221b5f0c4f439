/** Labels and small helpers of the ledger pages (no components). */

/** Human names of account and transfer kinds. */
export function kindLabel(kind: string): string {
  return (
    {
      current: 'Current account',
      savings: 'Savings account',
      cash: 'Cash desk',
      suspense: 'Suspense',
      transfer: 'Transfer',
      cash_deposit: 'Cash deposit',
      cash_withdrawal: 'Cash withdrawal',
    }[kind] ?? kind
  );
}

/** "Current account · 0192b6a4…4a01". */
export function accountLabel(a: { kind: string; id: string }): string {
  return `${kindLabel(a.kind)} · ${a.id.slice(0, 8)}…${a.id.slice(-4)}`;
}

/** `"0.00"` for `"-12.50"`: the zero amount in the same spelling. */
export function isZeroAmount(amount: string): boolean {
  return /^-?0+(\.0+)?$/.test(amount);
}

/** Saves text as a file (object URL, `download` link). */
export function downloadText(text: string, filename: string, type = 'text/csv'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 1000);
}

/** YYYY-MM-DD (UTC) of a date. */
export function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** Currencies the bank's cash desk holds (the server creates one cash account each). */
export const BANK_CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF'] as const;
