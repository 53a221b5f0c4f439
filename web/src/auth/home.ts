import { ROLE_NAV, type Role } from '../navigation/roles';

/** Where a user lands after signing in: the first page of their first role. */
export function homePath(roles: readonly Role[]): string {
  const first = roles[0];
  return first ? (ROLE_NAV[first].items[0]?.path ?? '/') : '/';
}
