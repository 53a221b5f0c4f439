/**
 * The client side of identity (`crates/client/src/auth.rs`) for the browser: enrollment with a
 * CSR over a new composite device key, challenge-response login with an ephemeral X-Wing key,
 * and logout. Private keys stay in the browser: only the CSR, the public KEM key and signatures
 * are sent.
 */
import { apiPost, decode, type Decoder } from '../api/client';
import { fromBase64Url, toBase64Url } from '../crypto/bytes';
import { compositeSign, generateCompositeKey, type CompositeKeyPair } from '../crypto/composite';
import { buildCsrDer, csrPem } from '../crypto/csr';
import { deriveSessionKey } from '../crypto/session';
import {
  LOGIN_SIGNATURE_CONTEXT,
  transcriptCanonicalBytes,
  type LoginTranscript,
} from '../crypto/transcript';
import { xwingDecapsulate, xwingGenerate } from '../crypto/xwing';
import { AuthSession, currentSession, endSession, rolesOf, startSession } from './authSession';
import { deviceStore, type DeviceStore, type Enrollment } from './deviceStore';
import { persistCounter, persistSession } from './sessionPersistence';

/** A user as the API returns it. */
export interface ApiUser {
  id: string;
  username: string;
  roles: string[];
  status: string;
  legal_name: string;
  email: string;
}

/** Answer of registration and activation. */
export interface Enrolled {
  user: ApiUser;
  deviceId: string;
  certificateSerial: string;
  certificatePem: string;
  notAfter?: string;
}

const decodeUser = (json: unknown): ApiUser => {
  const o = decode.object(json, 'user');
  return {
    id: decode.string(o, 'id'),
    username: decode.string(o, 'username'),
    roles: decode.stringArray(o, 'roles'),
    status: decode.string(o, 'status'),
    legal_name: decode.string(o, 'legal_name'),
    email: decode.string(o, 'email'),
  };
};

export const decodeEnrolled: Decoder<Enrolled> = (json) => {
  const o = decode.object(json, 'enrollment');
  const notAfter = decode.optionalString(o, 'not_after');
  return {
    user: decodeUser(o.user),
    deviceId: decode.string(o, 'device_id'),
    certificateSerial: decode.string(o, 'certificate_serial'),
    certificatePem: decode.string(o, 'certificate_pem'),
    ...(notAfter === undefined ? {} : { notAfter }),
  };
};

interface LoginAnswer {
  token: string;
  session_id: string;
  kem_ciphertext: string;
  expires_at: string;
  idle_timeout_secs: number;
  user_id: string;
  roles: string[];
}

const decodeLogin: Decoder<LoginAnswer> = (json) => {
  const o = decode.object(json, 'session');
  return {
    token: decode.string(o, 'token'),
    session_id: decode.string(o, 'session_id'),
    kem_ciphertext: decode.string(o, 'kem_ciphertext'),
    expires_at: decode.string(o, 'expires_at'),
    idle_timeout_secs: decode.number(o, 'idle_timeout_secs'),
    user_id: decode.string(o, 'user_id'),
    roles: decode.stringArray(o, 'roles'),
  };
};

const decodeChallenge: Decoder<string> = (json) =>
  decode.string(decode.object(json, 'challenge'), 'nonce');

const BROWSERS: readonly (readonly [string, string])[] = [
  ['Edg/', 'Edge'],
  ['Firefox/', 'Firefox'],
  ['Chromium/', 'Chromium'],
  ['Chrome/', 'Chrome'],
  ['Safari/', 'Safari'],
];
const SYSTEMS: readonly (readonly [string, string])[] = [
  ['Android', 'Android'],
  ['iPhone', 'iOS'],
  ['iPad', 'iPadOS'],
  ['Windows', 'Windows'],
  ['Mac OS X', 'macOS'],
  ['Linux', 'Linux'],
];

/** A name for this browser as a device ("Firefox on Linux"). */
export function defaultDeviceName(userAgent: string = navigator.userAgent): string {
  const pick = (table: typeof BROWSERS, fallback: string) =>
    table.find(([needle]) => userAgent.includes(needle))?.[1] ?? fallback;
  return `${pick(BROWSERS, 'Browser')} on ${pick(SYSTEMS, 'unknown system')}`;
}

async function enroll(
  path: string,
  body: Record<string, string>,
  username: string,
  store?: DeviceStore,
): Promise<Enrolled> {
  const key = generateCompositeKey();
  const csr = csrPem(buildCsrDer(key));
  const enrolled = await apiPost(path, { ...body, csr_pem: csr }, decodeEnrolled, {
    anonymous: true,
  });
  await saveDevice(store, enrolled.user.username || username, key, enrolled);
  return enrolled;
}

async function saveDevice(
  store: DeviceStore | undefined,
  username: string,
  key: CompositeKeyPair,
  e: Enrolled,
): Promise<void> {
  const enrollment: Enrollment = {
    userId: e.user.id,
    deviceId: e.deviceId,
    certSerial: e.certificateSerial,
    certPem: e.certificatePem,
    ...(e.notAfter === undefined ? {} : { notAfter: e.notAfter }),
  };
  await (store ?? (await deviceStore())).save(username, key, enrollment);
}

/** Self-registration of a customer, enrolling this browser (`POST /api/v1/auth/register`). */
export function register(
  input: {
    username: string;
    password: string;
    legalName: string;
    email: string;
    deviceName: string;
  },
  store?: DeviceStore,
): Promise<Enrolled> {
  return enroll(
    '/api/v1/auth/register',
    {
      username: input.username,
      password: input.password,
      legal_name: input.legalName,
      email: input.email,
      device_name: input.deviceName,
    },
    input.username,
    store,
  );
}

/** Activation of an onboarded account with its one-time code (`POST /api/v1/auth/activate`). */
export function activate(
  input: { username: string; code: string; newPassword: string; deviceName: string },
  store?: DeviceStore,
): Promise<Enrolled> {
  return enroll(
    '/api/v1/auth/activate',
    {
      username: input.username,
      code: input.code,
      new_password: input.newPassword,
      device_name: input.deviceName,
    },
    input.username,
    store,
  );
}

/** No enrolled device for this user in this browser. */
export class NotEnrolledError extends Error {
  override readonly name = 'NotEnrolledError';
  readonly username: string;
  constructor(username: string) {
    super(
      `This browser holds no device key for "${username}". Register or activate the account in this browser first.`,
    );
    this.username = username;
  }
}

/** Server clock minus ours, from a response's `Date` header (0 if absent). */
function clockOffsetSecs(date: string | null, now: number): number {
  if (!date) return 0;
  const server = Date.parse(date);
  return Number.isNaN(server) ? 0 : Math.round((server - now) / 1000);
}

/**
 * Password + device challenge-response login. On success the session becomes the tab's session
 * (every API request then carries the bearer token and a MAC).
 */
export async function login(
  input: { username: string; password: string; origin?: string },
  store?: DeviceStore,
): Promise<AuthSession> {
  const username = input.username;
  const origin = input.origin ?? window.location.origin;
  const device = await (store ?? (await deviceStore())).load(username);
  if (!device) throw new NotEnrolledError(username);
  const serial = device.enrollment.certSerial;

  const nonce = await apiPost(
    '/api/v1/auth/challenge',
    { username, device_cert_serial: serial, origin },
    decodeChallenge,
    { anonymous: true },
  );
  const eph = xwingGenerate();
  const transcript: LoginTranscript = {
    nonce,
    username,
    device_cert_serial: serial,
    client_kem_public_key: toBase64Url(eph.publicKey),
    origin,
  };
  const canonical = transcriptCanonicalBytes(transcript);
  const signature = compositeSign(device.key.privateKey, canonical, LOGIN_SIGNATURE_CONTEXT);
  device.key.privateKey.fill(0);

  let offset = 0;
  const answer = await apiPost(
    '/api/v1/auth/login',
    { password: input.password, transcript, signature: toBase64Url(signature) },
    decodeLogin,
    {
      anonymous: true,
      onResponse: (r) => {
        offset = clockOffsetSecs(r.headers.get('date'), Date.now());
      },
    },
  );
  const shared = xwingDecapsulate(eph.seed, fromBase64Url(answer.kem_ciphertext));
  const key = deriveSessionKey(shared, canonical);
  shared.fill(0);
  eph.seed.fill(0);
  const session = new AuthSession(
    {
      username,
      userId: answer.user_id,
      sessionId: answer.session_id,
      roles: rolesOf(answer.roles),
      expiresAt: answer.expires_at,
      idleTimeoutSecs: answer.idle_timeout_secs,
      deviceCertSerial: serial,
    },
    answer.token,
    key,
    { clockOffsetSecs: offset, onCounter: persistCounter },
  );
  key.fill(0);
  startSession(session);
  try {
    await persistSession(session, store);
  } catch {
    // Not persisted: the session lasts until the tab reloads.
  }
  return session;
}

/** Ends the session on the server (best effort) and locally. */
export async function logout(): Promise<void> {
  const session = currentSession();
  if (!session) return;
  try {
    await apiPost('/api/v1/auth/logout', undefined, () => null);
  } finally {
    endSession({ code: 'signed_out' });
  }
}
