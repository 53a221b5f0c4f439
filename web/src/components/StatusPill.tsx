import { CircleAlert, CircleCheck, CircleX, LoaderCircle } from 'lucide-react';
import type { CheckState } from '../api/system';

const LABELS: Record<CheckState | 'loading', string> = {
  ok: 'OK',
  degraded: 'Degraded',
  down: 'Failing',
  loading: 'Checking',
};

const ICONS = { ok: CircleCheck, degraded: CircleAlert, down: CircleX, loading: LoaderCircle };

/** A coloured state label with an icon (colour is never the only signal). */
export function StatusPill({ state, label }: { state: CheckState | 'loading'; label?: string }) {
  const Icon = ICONS[state];
  return (
    <span className={`pill pill-${state}`} data-state={state}>
      <Icon aria-hidden="true" className="pill-icon" />
      {label ?? LABELS[state]}
    </span>
  );
}
