/**
 * The signed-in session of this tab: bearer token, session key (from the X-Wing exchange) and the
 * request-MAC counter. It lives in memory only; a reload signs the user out. The app-wide state
 * ({@link getAuthState}, {@link subscribeAuth}) feeds React through `useSyncExternalStore`.
 */
import type { Problem, RequestAuthenticator } from '../api/client';
import { setRequestAuthenticator } from '../api/client';
import { MAC_HEADER, macHeader } from '../crypto/session';
import { parseRoles, type Role } from '../navigation/roles';

/** What the UI knows about the session (no secrets). */
export interface SessionInfo {
  username: string;
  userId: string;
  sessionId: string;
  roles: readonly Role[];
  /** RFC 3339 absolute expiry. */
  expiresAt: string;
  idleTimeoutSecs: number;
  /** Serial of the device certificate used to sign in. */
  deviceCertSerial: string;
}

/** Why the last session ended, for the sign-in page. */
export interface EndedSession {
  /** Problem code (`session_expired`, `device_revoked`, ...) or `signed_out`. */
  code: string;
  detail?: string;
}

/** Authenticates requests with the session key; one per signed-in session. */
export class AuthSession implements RequestAuthenticator {
  readonly info: SessionInfo;
  readonly #token: string;
  readonly #key: Uint8Array;
  #counter = 0;
  /** Server clock minus local clock, seconds (the MAC timestamp must be within the skew). */
  readonly #clockOffset: number;
  readonly #now: () => number;

  constructor(
    info: SessionInfo,
    token: string,
    key: Uint8Array,
    options: {
      clockOffsetSecs?: number;
      now?: () => number;
      /** The last counter used (a restored session continues from it). */
      counter?: number;
      /** Told about every counter before the request goes out. */
      onCounter?: (counter: number) => void;
    } = {},
  ) {
    this.info = info;
    this.#token = token;
    this.#key = Uint8Array.from(key);
    this.#clockOffset = options.clockOffsetSecs ?? 0;
    this.#now = options.now ?? (() => Date.now());
    this.#counter = options.counter ?? 0;
    this.#onCounter = options.onCounter;
  }

  readonly #onCounter: ((counter: number) => void) | undefined;

  /** Server clock minus local clock, seconds. */
  get clockOffsetSecs(): number {
    return this.#clockOffset;
  }

  /** The secrets, for encrypted persistence (`sessionPersistence.ts`) only. */
  exportSecrets(): { token: string; key: Uint8Array } {
    return { token: this.#token, key: Uint8Array.from(this.#key) };
  }

  /** The last counter used. */
  get counter(): number {
    return this.#counter;
  }

  headers(method: string, pathAndQuery: string, body: Uint8Array): Record<string, string> {
    this.#counter += 1;
    this.#onCounter?.(this.#counter);
    const ts = Math.floor(this.#now() / 1000) + this.#clockOffset;
    return {
      Authorization: `Bearer ${this.#token}`,
      [MAC_HEADER]: macHeader(this.#key, method, pathAndQuery, body, ts, this.#counter),
    };
  }

  rejected(problem: Problem): void {
    if (current === this) {
      end({
        code: problem.code ?? 'session_invalid',
        ...(problem.detail ? { detail: problem.detail } : {}),
      });
    }
  }

  /** Overwrites the session key (after logout). */
  destroy(): void {
    this.#key.fill(0);
  }
}

/** Snapshot for React. */
export interface AuthState {
  session: SessionInfo | null;
  ended: EndedSession | null;
}

let current: AuthSession | null = null;
let state: AuthState = { session: null, ended: null };
const listeners = new Set<() => void>();

function publish(next: AuthState): void {
  state = next;
  for (const l of listeners) l();
}

const endListeners = new Set<() => void>();

/** Runs `listener` whenever a session ends (persistence clears its copy). */
export function onSessionEnd(listener: () => void): () => void {
  endListeners.add(listener);
  return () => {
    endListeners.delete(listener);
  };
}

function end(ended: EndedSession | null): void {
  current?.destroy();
  current = null;
  for (const l of endListeners) l();
  setRequestAuthenticator(null);
  publish({ session: null, ended });
}

/** Makes `session` the tab's session: every `/api/` request is authenticated with it. */
export function startSession(session: AuthSession): void {
  current?.destroy();
  current = session;
  setRequestAuthenticator(session);
  publish({ session: session.info, ended: null });
}

/** Forgets the session locally (`reason` is shown on the sign-in page). */
export function endSession(reason: EndedSession | null = { code: 'signed_out' }): void {
  end(reason);
}

/** The current session object (for the logout request), if any. */
export function currentSession(): AuthSession | null {
  return current;
}

export function getAuthState(): AuthState {
  return state;
}

export function subscribeAuth(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/** Builds {@link SessionInfo} roles from the server's list (unknown roles dropped). */
export function rolesOf(values: readonly string[]): Role[] {
  return parseRoles(values);
}
