import type { ReactNode } from 'react';
import { SessionContext, type Session } from './session';

/** Provides the session; until device login exists it is always `null` in the app. */
export function SessionProvider({
  session = null,
  children,
}: {
  session?: Session | null;
  children: ReactNode;
}) {
  return <SessionContext value={session}>{children}</SessionContext>;
}
