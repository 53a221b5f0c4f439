import { toHex, utf8 } from '../crypto/bytes';
import { compositeKeyFromPrivate } from '../crypto/composite';
import { DeviceStore, MemoryStore, generateWrappingKey, seal, unseal } from './deviceStore';

const enrollment = {
  userId: 'u1',
  deviceId: 'd1',
  certSerial: '0a0b',
  certPem: '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n',
};

function testKey(fill: number) {
  return compositeKeyFromPrivate(new Uint8Array(64).fill(fill));
}

describe('AES-GCM sealing', () => {
  it('round-trips and uses a non-extractable key', async () => {
    const key = await generateWrappingKey();
    expect(key.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('raw', key)).rejects.toThrow();
    const sealed = await seal(key, utf8('secret'), utf8('aad'));
    expect(sealed.iv).toHaveLength(12);
    expect(new TextDecoder().decode(await unseal(key, sealed, utf8('aad')))).toBe('secret');
  });

  it('refuses another AAD, a changed ciphertext and another key', async () => {
    const key = await generateWrappingKey();
    const sealed = await seal(key, utf8('secret'), utf8('aad'));
    await expect(unseal(key, sealed, utf8('other'))).rejects.toThrow();
    const changed = Uint8Array.from(sealed.ciphertext);
    changed[0]! ^= 1;
    await expect(unseal(key, { ...sealed, ciphertext: changed }, utf8('aad'))).rejects.toThrow();
    await expect(unseal(await generateWrappingKey(), sealed, utf8('aad'))).rejects.toThrow();
  });
});

describe('DeviceStore', () => {
  it('stores the private key only encrypted and loads it back', async () => {
    const mem = new MemoryStore();
    const store = new DeviceStore(mem);
    const key = testKey(1);
    await store.save('alice', key, enrollment, new Date('2026-01-01T00:00:00Z'));

    // Nothing in storage contains the private key bytes.
    const hexPrivate = toHex(key.privateKey);
    for (const k of await mem.keys()) {
      const v = await mem.get(k);
      const text = JSON.stringify(v, (_k, x: unknown) => (x instanceof Uint8Array ? toHex(x) : x));
      expect(text).not.toContain(hexPrivate);
    }

    const loaded = await store.load('alice');
    expect(loaded).not.toBeNull();
    expect(toHex(loaded!.key.privateKey)).toBe(hexPrivate);
    expect(toHex(loaded!.key.publicKey)).toBe(toHex(key.publicKey));
    expect(loaded!.enrollment).toEqual(enrollment);
    expect(await store.load('bob')).toBeNull();
    expect(await store.list()).toEqual([
      {
        username: 'alice',
        certSerial: '0a0b',
        deviceId: 'd1',
        createdAt: '2026-01-01T00:00:00.000Z',
      },
    ]);
    await store.remove('alice');
    expect(await store.load('alice')).toBeNull();
  });

  it('will not load a record moved to another user', async () => {
    const mem = new MemoryStore();
    const store = new DeviceStore(mem);
    await store.save('alice', testKey(2), enrollment);
    const record = (await mem.get('device/alice')) as Record<string, unknown>;
    await mem.put('device/mallory', { ...record, username: 'mallory' });
    await expect(store.load('mallory')).rejects.toThrow();
  });

  it('reuses one wrapping key for all devices', async () => {
    const mem = new MemoryStore();
    const store = new DeviceStore(mem);
    await store.save('a', testKey(3), enrollment);
    await store.save('b', testKey(4), enrollment);
    expect((await mem.keys()).filter((k) => k.startsWith('wrapping-key'))).toHaveLength(1);
    expect(toHex((await store.load('a'))!.key.publicKey)).toBe(toHex(testKey(3).publicKey));
    expect(toHex((await store.load('b'))!.key.publicKey)).toBe(toHex(testKey(4).publicKey));
  });
});
