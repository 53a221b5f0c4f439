/** The signed-in user, if any. Device login (the identity feature) will fill this in. */
import { createContext, useContext } from 'react';
import type { Role } from '../navigation/roles';

/** A signed-in user. */
export interface Session {
  username: string;
  roles: readonly Role[];
}

/** `null` while nobody is signed in. */
export const SessionContext = createContext<Session | null>(null);

/** The current session, or `null`. */
export function useSession(): Session | null {
  return useContext(SessionContext);
}

/** The roles of the current session (none when signed out). */
export function useRoles(): readonly Role[] {
  return useSession()?.roles ?? NO_ROLES;
}

const NO_ROLES: readonly Role[] = Object.freeze([]);
