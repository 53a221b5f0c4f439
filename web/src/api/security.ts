/**
 * The customer's own security API (`routes/auth.rs`, `routes/certs.rs`): who am I, devices,
 * certificates (list, PEM, renew, revoke) and sessions. Every answer is decoded strictly.
 */
import { apiGet, apiPost, apiRequest, decode, type Decoder } from './client';

type Json = Record<string, unknown>;
const obj = (json: unknown, what: string): Json => decode.object(json, what);
const str = (o: Json, key: string): string => decode.string(o, key);

const optStr = decode.nullableString;
const arrayOf = decode.list;

const none: Decoder<null> = () => null;
const enc = encodeURIComponent;
const opts = (signal?: AbortSignal) => (signal ? { signal } : {});

/** Query keys of this API (mutations invalidate them). */
export const SECURITY_KEYS = {
  me: ['me'] as const,
  devices: ['my', 'devices'] as const,
  certificates: ['my', 'certificates'] as const,
  sessions: ['my', 'sessions'] as const,
};

// ---------- who am I ----------

/** The signed-in user and the facts of this session. */
export interface WhoAmI {
  userId: string;
  username: string;
  sessionId: string;
  /** The device this session signed in with (this browser). */
  deviceId: string;
  deviceCertSerial: string;
}

export function whoAmI(signal?: AbortSignal): Promise<WhoAmI> {
  return apiGet(
    '/api/v1/me',
    (json) => {
      const o = obj(json, 'whoami');
      const user = obj(o.user, 'user');
      return {
        userId: str(user, 'id'),
        username: str(user, 'username'),
        sessionId: str(o, 'session_id'),
        deviceId: str(o, 'device_id'),
        deviceCertSerial: str(o, 'device_cert_serial'),
      };
    },
    opts(signal),
  );
}

// ---------- devices ----------

/** A certificate as the device list shows it. */
export interface DeviceCert {
  serial: string;
  /** `signature` or `kem`. */
  usage: string;
  /** `valid` or `revoked`. */
  status: string;
  not_after: string;
}

/** A device bound to the user. */
export interface UserDevice {
  id: string;
  name: string;
  /** `active` or `removed`. */
  status: string;
  created_at: string;
  certificates: DeviceCert[];
}

const decodeDevice: Decoder<UserDevice> = (json) => {
  const o = obj(json, 'device');
  const certs = o.certificates;
  if (!Array.isArray(certs)) throw new TypeError('certificates is not a list');
  return {
    id: str(o, 'id'),
    name: str(o, 'name'),
    status: str(o, 'status'),
    created_at: str(o, 'created_at'),
    certificates: certs.map((c) => {
      const r = obj(c, 'certificate');
      return {
        serial: str(r, 'serial'),
        usage: str(r, 'usage'),
        status: str(r, 'status'),
        not_after: str(r, 'not_after'),
      };
    }),
  };
};

export function listDevices(userId: string, signal?: AbortSignal): Promise<UserDevice[]> {
  return apiGet(
    `/api/v1/users/${enc(userId)}/devices`,
    arrayOf(decodeDevice, 'devices'),
    opts(signal),
  );
}

/** Removes a device: its certificates are revoked and its sessions end. */
export function removeDevice(deviceId: string): Promise<null> {
  return apiRequest(`/api/v1/devices/${enc(deviceId)}`, none, { method: 'DELETE' });
}

// ---------- certificates ----------

/** One of the user's certificates, with its PEM. */
export interface MyCertificate {
  serial: string;
  user_id: string;
  device_id: string;
  usage: string;
  status: string;
  superseded_by: string | null;
  not_after: string;
  created_at: string;
  pem: string;
}

const decodeMyCertificate: Decoder<MyCertificate> = (json) => {
  const o = obj(json, 'certificate');
  return {
    serial: str(o, 'serial'),
    user_id: str(o, 'user_id'),
    device_id: str(o, 'device_id'),
    usage: str(o, 'usage'),
    status: str(o, 'status'),
    superseded_by: optStr(o, 'superseded_by'),
    not_after: str(o, 'not_after'),
    created_at: str(o, 'created_at'),
    pem: decode.optionalString(o, 'pem') ?? '',
  };
};

/** The caller's certificates. */
export function myCertificates(signal?: AbortSignal): Promise<MyCertificate[]> {
  return apiGet('/api/v1/certificates', arrayOf(decodeMyCertificate, 'certificates'), opts(signal));
}

/** One certificate as PEM text. */
export function certificatePem(serial: string): Promise<string> {
  return apiRequest(
    `/api/v1/certificates/${enc(serial)}`,
    (body) => {
      if (typeof body !== 'string' || !body.includes('BEGIN CERTIFICATE')) {
        throw new TypeError('not a PEM certificate');
      }
      return body;
    },
    {
      headers: { Accept: 'application/pem-certificate-chain, application/problem+json' },
      text: true,
    },
  );
}

/** A newly issued certificate. */
export interface IssuedCertificate {
  serial: string;
  not_after: string;
  pem: string;
}

/** Renews a certificate with the same key; the old one is marked superseded. */
export function renewCertificate(serial: string): Promise<IssuedCertificate> {
  return apiPost(`/api/v1/certificates/${enc(serial)}/renew`, {}, (json) => {
    const o = obj(json, 'issued certificate');
    return { serial: str(o, 'serial'), not_after: str(o, 'not_after'), pem: str(o, 'pem') };
  });
}

export { revokeCertificate, REVOCATION_REASONS } from './staff';

// ---------- sessions ----------

/** A session of the user. */
export interface UserSession {
  id: string;
  device_id: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  active: boolean;
  /** The caller's own session. */
  current: boolean;
  client_addr: string | null;
  user_agent: string | null;
}

const decodeSession: Decoder<UserSession> = (json) => {
  const o = obj(json, 'session');
  return {
    id: str(o, 'id'),
    device_id: str(o, 'device_id'),
    created_at: str(o, 'created_at'),
    last_seen_at: str(o, 'last_seen_at'),
    expires_at: str(o, 'expires_at'),
    active: o.active === true,
    current: o.current === true,
    client_addr: optStr(o, 'client_addr'),
    user_agent: optStr(o, 'user_agent'),
  };
};

export function listSessions(userId: string, signal?: AbortSignal): Promise<UserSession[]> {
  return apiGet(
    `/api/v1/users/${enc(userId)}/sessions`,
    arrayOf(decodeSession, 'sessions'),
    opts(signal),
  );
}

export function revokeSession(userId: string, sessionId: string): Promise<null> {
  return apiRequest(`/api/v1/users/${enc(userId)}/sessions/${enc(sessionId)}`, none, {
    method: 'DELETE',
  });
}
