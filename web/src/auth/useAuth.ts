import { useSyncExternalStore } from 'react';
import { getAuthState, subscribeAuth, type AuthState } from './authSession';

/** The tab's authentication state (session info and why the last one ended). */
export function useAuthState(): AuthState {
  return useSyncExternalStore(subscribeAuth, getAuthState, getAuthState);
}
