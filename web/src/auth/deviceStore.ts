/**
 * Device keys at rest in the browser. The composite private key (64 bytes: ML-DSA seed ||
 * Ed25519 seed) is encrypted with AES-256-GCM under a WebCrypto key that is generated
 * non-extractable and kept in IndexedDB as a `CryptoKey` object: script on this origin can use it
 * but never read it, and the key material never leaves the browser. The AAD binds each record to
 * its username and public key, so records cannot be swapped between accounts.
 *
 * Storage sits behind {@link KeyValueStore}: {@link openIndexedDbStore} in the app, an in-memory
 * map in tests (jsdom has no IndexedDB).
 */
import { concat, toHex, utf8 } from '../crypto/bytes';
import {
  COMPOSITE_ALGORITHM,
  compositeKeyFromPrivate,
  type CompositeKeyPair,
} from '../crypto/composite';

/** Minimal async key-value storage for structured-cloneable values (CryptoKey included). */
export interface KeyValueStore {
  get(key: string): Promise<unknown>;
  put(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
  keys(): Promise<string[]>;
}

/** What the server told us when it enrolled the device. */
export interface Enrollment {
  userId: string;
  deviceId: string;
  /** Hex serial of the device's signature certificate. */
  certSerial: string;
  certPem: string;
  /** RFC 3339, if the server sent it. */
  notAfter?: string;
}

/** A device as stored (public part in the clear, private key sealed). */
interface DeviceRecord {
  version: 1;
  username: string;
  algorithm: string;
  publicKeyHex: string;
  enrollment: Enrollment;
  createdAt: string;
  sealed: { iv: Uint8Array; ciphertext: Uint8Array };
}

/** A device ready to sign. */
export interface Device {
  username: string;
  key: CompositeKeyPair;
  enrollment: Enrollment;
  createdAt: string;
}

/** Public facts about a stored device (no key material). */
export interface DeviceSummary {
  username: string;
  certSerial: string;
  deviceId: string;
  createdAt: string;
}

const WRAPPING_KEY = 'wrapping-key/v1';
const DEVICE_PREFIX = 'device/';
const AAD_PREFIX = 'pqbank device key v1';

function deviceKey(username: string): string {
  return `${DEVICE_PREFIX}${username}`;
}

function aad(username: string, publicKeyHex: string): Uint8Array<ArrayBuffer> {
  // Unambiguous: the username is length-prefixed.
  const user = utf8(username);
  return concat(utf8(AAD_PREFIX), u32(user.length), user, utf8(publicKeyHex));
}

function u32(n: number): Uint8Array {
  return Uint8Array.of((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/** A new non-extractable AES-256-GCM key. */
export function generateWrappingKey(): Promise<CryptoKey> {
  return crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

/** Encrypts `secret` with a fresh 96-bit IV. */
export async function seal(
  key: CryptoKey,
  secret: Uint8Array<ArrayBuffer>,
  additionalData: Uint8Array<ArrayBuffer>,
): Promise<{ iv: Uint8Array<ArrayBuffer>; ciphertext: Uint8Array<ArrayBuffer> }> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData }, key, secret),
  );
  return { iv, ciphertext };
}

/** Decrypts what {@link seal} made; rejects on any change of ciphertext, IV or AAD. */
export async function unseal(
  key: CryptoKey,
  sealed: { iv: Uint8Array; ciphertext: Uint8Array },
  additionalData: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(
    await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: Uint8Array.from(sealed.iv), additionalData },
      key,
      Uint8Array.from(sealed.ciphertext),
    ),
  );
}

function isDeviceRecord(value: unknown): value is DeviceRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Partial<DeviceRecord>;
  return (
    r.version === 1 &&
    typeof r.username === 'string' &&
    typeof r.publicKeyHex === 'string' &&
    typeof r.enrollment === 'object' &&
    typeof r.sealed === 'object'
  );
}

/** The browser's enrolled devices, one per username. */
export class DeviceStore {
  readonly #store: KeyValueStore;

  constructor(store: KeyValueStore) {
    this.#store = store;
  }

  async #wrappingKey(): Promise<CryptoKey> {
    const existing = await this.#store.get(WRAPPING_KEY);
    if (isCryptoKeyLike(existing)) return existing as CryptoKey;
    const key = await generateWrappingKey();
    await this.#store.put(WRAPPING_KEY, key);
    return key;
  }

  /** Encrypts other browser-held secrets (the session) under the same non-extractable key. */
  async sealSecret(secret: Uint8Array<ArrayBuffer>, additionalData: Uint8Array<ArrayBuffer>) {
    return seal(await this.#wrappingKey(), secret, additionalData);
  }

  /** Decrypts what {@link DeviceStore.sealSecret} made. */
  async unsealSecret(
    sealed: { iv: Uint8Array; ciphertext: Uint8Array },
    additionalData: Uint8Array<ArrayBuffer>,
  ): Promise<Uint8Array<ArrayBuffer>> {
    return unseal(await this.#wrappingKey(), sealed, additionalData);
  }

  /** Stores an enrolled device (replacing an older one of the same user). */
  async save(username: string, key: CompositeKeyPair, enrollment: Enrollment, now = new Date()) {
    const publicKeyHex = toHex(key.publicKey);
    const sealed = await seal(
      await this.#wrappingKey(),
      Uint8Array.from(key.privateKey),
      aad(username, publicKeyHex),
    );
    const record: DeviceRecord = {
      version: 1,
      username,
      algorithm: COMPOSITE_ALGORITHM.id,
      publicKeyHex,
      enrollment,
      createdAt: now.toISOString(),
      sealed,
    };
    await this.#store.put(deviceKey(username), record);
  }

  /** Loads and decrypts the device of `username`, or `null` if there is none. */
  async load(username: string): Promise<Device | null> {
    const record = await this.#store.get(deviceKey(username));
    if (!isDeviceRecord(record) || record.username !== username) return null;
    const wrapping = await this.#store.get(WRAPPING_KEY);
    if (!isCryptoKeyLike(wrapping)) throw new Error('The device key store is damaged.');
    const privateKey = await unseal(
      wrapping as CryptoKey,
      record.sealed,
      aad(username, record.publicKeyHex),
    );
    try {
      const key = compositeKeyFromPrivate(privateKey);
      if (toHex(key.publicKey) !== record.publicKeyHex) {
        throw new Error('The stored device key does not match its public key.');
      }
      return { username, key, enrollment: record.enrollment, createdAt: record.createdAt };
    } finally {
      privateKey.fill(0);
    }
  }

  /**
   * Updates the enrollment facts of the device of `username` (after its certificate was
   * renewed with the same key); the sealed key is untouched. `update` returns `null` to leave
   * the record as it is. Whether the record changed.
   */
  async updateEnrollment(
    username: string,
    update: (enrollment: Enrollment) => Enrollment | null,
  ): Promise<boolean> {
    const record = await this.#store.get(deviceKey(username));
    if (!isDeviceRecord(record) || record.username !== username) return false;
    const enrollment = update(record.enrollment);
    if (!enrollment) return false;
    await this.#store.put(deviceKey(username), { ...record, enrollment });
    return true;
  }

  /** Public facts about every stored device. */
  async list(): Promise<DeviceSummary[]> {
    const out: DeviceSummary[] = [];
    for (const k of await this.#store.keys()) {
      if (!k.startsWith(DEVICE_PREFIX)) continue;
      const r = await this.#store.get(k);
      if (isDeviceRecord(r)) {
        out.push({
          username: r.username,
          certSerial: r.enrollment.certSerial,
          deviceId: r.enrollment.deviceId,
          createdAt: r.createdAt,
        });
      }
    }
    return out.sort((a, b) => (a.username < b.username ? -1 : 1));
  }

  /** Forgets the device of `username`. */
  async remove(username: string): Promise<void> {
    await this.#store.delete(deviceKey(username));
  }
}

function isCryptoKeyLike(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    'algorithm' in value &&
    'extractable' in value &&
    'usages' in value
  );
}

/** A {@link KeyValueStore} in memory (tests, and browsers without IndexedDB). */
export class MemoryStore implements KeyValueStore {
  readonly #map = new Map<string, unknown>();
  get(key: string) {
    return Promise.resolve(this.#map.get(key));
  }
  put(key: string, value: unknown) {
    this.#map.set(key, value);
    return Promise.resolve();
  }
  delete(key: string) {
    this.#map.delete(key);
    return Promise.resolve();
  }
  keys() {
    return Promise.resolve([...this.#map.keys()]);
  }
}

const DB_NAME = 'pqbank';
const DB_STORE = 'device-keys';

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => {
      resolve(req.result);
    };
    req.onerror = () => {
      reject(req.error ?? new Error('IndexedDB request failed'));
    };
  });
}

/** The app's store: one IndexedDB object store (`pqbank` / `device-keys`). */
export async function openIndexedDbStore(): Promise<KeyValueStore> {
  const open = indexedDB.open(DB_NAME, 1);
  open.onupgradeneeded = () => {
    open.result.createObjectStore(DB_STORE);
  };
  const db = await request(open);
  const tx = (mode: IDBTransactionMode) => db.transaction(DB_STORE, mode).objectStore(DB_STORE);
  return {
    get: (key) => request(tx('readonly').get(key)) as Promise<unknown>,
    put: async (key, value) => {
      await request(tx('readwrite').put(value, key));
    },
    delete: async (key) => {
      await request(tx('readwrite').delete(key));
    },
    keys: async () => (await request(tx('readonly').getAllKeys())).map(String),
  };
}

let shared: Promise<DeviceStore> | null = null;

/** The app-wide device store (IndexedDB). */
export function deviceStore(): Promise<DeviceStore> {
  shared ??= openIndexedDbStore().then((s) => new DeviceStore(s));
  return shared;
}

/** Test hook: replace the app-wide store. */
export function setDeviceStoreForTests(store: DeviceStore | null): void {
  shared = store ? Promise.resolve(store) : null;
}
