import { useQueryClient } from '@tanstack/react-query';
import { BellRing, ShieldAlert } from 'lucide-react';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { useSession } from '../session/session';
import { startLiveUpdates, toastText, type LiveState } from './liveEvents';

interface Toast {
  id: number;
  text: string;
  notice: boolean;
}

/** How long a toast stays; security notices longer, they matter more. */
const TOAST_MS = 6000;
const NOTICE_MS = 15_000;

/**
 * While someone is signed in: the live update stream, toasts for its events and a badge with
 * the number of alerts since the page opened.
 */
export function LiveUpdates() {
  const session = useSession();
  const queryClient = useQueryClient();
  const [state, setState] = useState<LiveState>('off');
  const [toasts, setToasts] = useState<Toast[]>([]);
  const [alerts, setAlerts] = useState(0);
  const [notices, setNotices] = useState(0);
  const signedIn = session !== null;

  useEffect(() => {
    if (!signedIn || typeof EventSource === 'undefined') return undefined;
    let next = 0;
    const timers = new Set<ReturnType<typeof setTimeout>>();
    const stop = startLiveUpdates({
      queryClient,
      onState: setState,
      onEvent: (event) => {
        if (event.kind === 'alert') setAlerts((n) => n + 1);
        const notice = event.kind === 'security_notice';
        if (notice) setNotices((n) => n + 1);
        const id = ++next;
        setToasts((list) => [...list.slice(-3), { id, text: toastText(event), notice }]);
        const t = setTimeout(
          () => {
            timers.delete(t);
            setToasts((list) => list.filter((x) => x.id !== id));
          },
          notice ? NOTICE_MS : TOAST_MS,
        );
        timers.add(t);
      },
    });
    return () => {
      stop();
      for (const t of timers) clearTimeout(t);
    };
  }, [signedIn, queryClient]);

  if (!signedIn) return null;
  return (
    <>
      <p className="sr-only" data-testid="live-state" data-state={state}>
        Live updates: {state}
      </p>
      <div className="toasts">
        {alerts > 0 && (
          <button
            type="button"
            className="toast live-alerts"
            data-testid="live-alerts"
            onClick={() => {
              setAlerts(0);
            }}
          >
            <BellRing aria-hidden="true" className="inline-icon" /> New alerts
            <span className="live-badge">{alerts}</span>
          </button>
        )}
        {notices > 0 && (
          <Link
            to="/devices"
            className="toast live-alerts security-notice"
            data-testid="live-notices"
            onClick={() => {
              setNotices(0);
            }}
          >
            <ShieldAlert aria-hidden="true" className="inline-icon" /> Security notices — review
            your devices
            <span className="live-badge">{notices}</span>
          </Link>
        )}
        <div role="status" aria-live="polite" className="toast-list">
          {toasts.map((t) => (
            <div
              key={t.id}
              className={t.notice ? 'toast security-notice' : 'toast'}
              data-testid={t.notice ? 'security-notice' : undefined}
            >
              {t.text}
            </div>
          ))}
        </div>
      </div>
    </>
  );
}
