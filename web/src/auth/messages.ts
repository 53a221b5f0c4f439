/**
 * What to tell the user when identity fails, by problem `code` (`AuthFailure::code` in
 * `crates/service/src/identity/auth.rs`, plus `account_locked` and `too_many_requests` from the
 * server's problem mapping).
 */
import { isProblemError } from '../api/client';
import { NotEnrolledError } from './flows';

/** A clear message: a title and what to do. */
export interface AuthMessage {
  title: string;
  action: string;
  /** Severity for styling. */
  tone: 'error' | 'warn' | 'info';
}

const MESSAGES: Readonly<Record<string, AuthMessage>> = {
  invalid_credentials: {
    title: 'Wrong username or password.',
    action: 'Check both and try again. Repeated failures lock the account for a while.',
    tone: 'error',
  },
  account_locked: {
    title: 'This account is locked after too many failed sign-ins.',
    action: 'Wait until the lock ends, then try again, or ask the bank to unlock it.',
    tone: 'error',
  },
  account_disabled: {
    title: 'This account is disabled.',
    action: 'Contact the bank to find out why.',
    tone: 'error',
  },
  activation_required: {
    title: 'This account is not activated yet.',
    action: 'Activate it with the one-time code from the bank.',
    tone: 'warn',
  },
  device_revoked: {
    title: "This browser's device certificate has been revoked.",
    action:
      'It can no longer sign in. Ask the bank to reset your access, then activate this browser again.',
    tone: 'error',
  },
  device_not_bound: {
    title: 'This browser is not an enrolled device of this account.',
    action: 'Sign in from an enrolled device, or ask the bank to enrol this browser.',
    tone: 'error',
  },
  bad_device_signature: {
    title: "The server did not accept this browser's device signature.",
    action: 'The stored device key may be damaged. Ask the bank to enrol this browser again.',
    tone: 'error',
  },
  invalid_challenge: {
    title: 'The sign-in attempt was not accepted.',
    action: 'Try again.',
    tone: 'warn',
  },
  challenge_expired: {
    title: 'The sign-in attempt took too long.',
    action: 'Try again.',
    tone: 'warn',
  },
  challenge_reused: {
    title: 'The sign-in attempt was already used.',
    action: 'Try again.',
    tone: 'warn',
  },
  session_expired: {
    title: 'Your session expired.',
    action: 'Sign in again to continue.',
    tone: 'info',
  },
  session_invalid: {
    title: 'You are signed out.',
    action: 'Sign in again to continue.',
    tone: 'info',
  },
  unauthenticated: {
    title: 'You are signed out.',
    action: 'Sign in again to continue.',
    tone: 'info',
  },
  signed_out: {
    title: 'You signed out.',
    action: 'Sign in again whenever you like.',
    tone: 'info',
  },
  mac_required: {
    title: 'The request was not authenticated.',
    action: 'Sign in again.',
    tone: 'error',
  },
  mac_invalid: {
    title: 'The request could not be authenticated.',
    action: "Check that this device's clock is correct, then sign in again.",
    tone: 'error',
  },
  mac_replayed: {
    title: 'The request was refused as a replay.',
    action: 'Reload the page and sign in again.',
    tone: 'error',
  },
  too_many_requests: {
    title: 'Too many attempts.',
    action: 'Wait a minute before trying again.',
    tone: 'warn',
  },
};

/** The message for a problem code, if it is an identity one. */
export function authMessageForCode(code: string | undefined): AuthMessage | undefined {
  return code === undefined ? undefined : MESSAGES[code];
}

/** The message for any error thrown by the identity flows. */
export function authMessage(error: unknown): AuthMessage | undefined {
  if (error instanceof NotEnrolledError) {
    return {
      title: 'This browser is not enrolled for this account.',
      action: 'Register, or activate your account with its one-time code, in this browser first.',
      tone: 'warn',
    };
  }
  return isProblemError(error) ? authMessageForCode(error.code) : undefined;
}
