import type { ReactNode } from 'react';
import { useAuthState } from '../auth/useAuth';
import { SessionContext, type Session } from './session';

/**
 * Provides the session: the signed-in device session of this tab, or (tests) a fixed `session`
 * when one is passed (`null` for signed out).
 */
export function SessionProvider({
  session,
  children,
}: {
  session?: Session | null | undefined;
  children: ReactNode;
}) {
  const live = useAuthState().session;
  const value =
    session !== undefined ? session : live ? { username: live.username, roles: live.roles } : null;
  return <SessionContext value={value}>{children}</SessionContext>;
}
