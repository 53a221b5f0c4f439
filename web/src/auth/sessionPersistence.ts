/**
 * Keeps the tab's session across reloads: `sessionStorage` (this tab only, gone when it closes)
 * holds the public session facts, the MAC counter, and the token and session key encrypted with
 * AES-GCM under the browser's non-extractable device-store key. Script on this origin could use
 * that key, but nothing readable is left in storage.
 */
import { fromBase64, fromHex, fromUtf8, toBase64, toHex, utf8 } from '../crypto/bytes';
import {
  AuthSession,
  endSession,
  onSessionEnd,
  startSession,
  type SessionInfo,
} from './authSession';
import { deviceStore, type DeviceStore } from './deviceStore';

const SESSION_ITEM = 'pqbank.session.v1';
const COUNTER_ITEM = 'pqbank.session.counter.v1';

interface Persisted {
  info: SessionInfo;
  clockOffsetSecs: number;
  iv: string;
  ciphertext: string;
}

function aad(info: SessionInfo): Uint8Array<ArrayBuffer> {
  return utf8(`pqbank session v1\n${info.sessionId}\n${info.username}`);
}

function saveCounter(counter: number): void {
  try {
    sessionStorage.setItem(COUNTER_ITEM, String(counter));
  } catch {
    // Storage full or disabled: the session still works until the next reload.
  }
}

function clear(): void {
  try {
    sessionStorage.removeItem(SESSION_ITEM);
    sessionStorage.removeItem(COUNTER_ITEM);
  } catch {
    // Nothing to clear.
  }
}

onSessionEnd(clear);

/** Stores `session` for this tab and keeps its counter current. */
export async function persistSession(session: AuthSession, store?: DeviceStore): Promise<void> {
  const { token, key } = session.exportSecrets();
  const secret = utf8(JSON.stringify({ token, key: toHex(key) }));
  key.fill(0);
  const sealed = await (store ?? (await deviceStore())).sealSecret(secret, aad(session.info));
  secret.fill(0);
  const persisted: Persisted = {
    info: session.info,
    clockOffsetSecs: session.clockOffsetSecs,
    iv: toBase64(sealed.iv),
    ciphertext: toBase64(sealed.ciphertext),
  };
  sessionStorage.setItem(SESSION_ITEM, JSON.stringify(persisted));
  saveCounter(session.counter);
}

/** The counter hook to pass to a session that is persisted. */
export const persistCounter = saveCounter;

/**
 * Restores the tab's session after a reload, if there is one. A damaged or undecryptable copy is
 * dropped (the user signs in again).
 */
export async function restoreSession(store?: DeviceStore): Promise<boolean> {
  let raw: string | null;
  try {
    raw = sessionStorage.getItem(SESSION_ITEM);
  } catch {
    return false;
  }
  if (!raw) return false;
  try {
    const p = JSON.parse(raw) as Persisted;
    const secret = await (store ?? (await deviceStore())).unsealSecret(
      { iv: fromBase64(p.iv), ciphertext: fromBase64(p.ciphertext) },
      aad(p.info),
    );
    const { token, key } = JSON.parse(fromUtf8(secret)) as { token: string; key: string };
    secret.fill(0);
    const counter = Number(sessionStorage.getItem(COUNTER_ITEM) ?? '0');
    const keyBytes = fromHex(key);
    startSession(
      new AuthSession(p.info, token, keyBytes, {
        clockOffsetSecs: p.clockOffsetSecs,
        counter: Number.isSafeInteger(counter) && counter >= 0 ? counter : 0,
        onCounter: saveCounter,
      }),
    );
    keyBytes.fill(0);
    return true;
  } catch {
    clear();
    endSession(null);
    return false;
  }
}
