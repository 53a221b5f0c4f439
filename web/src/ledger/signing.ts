/**
 * Signing with this browser's device key: transfers (`pqbank/transfer/v1`) and approvals
 * (`pqbank/approval/v1`). The key is unsealed from the device store for one signature and wiped
 * right after; only the payload and the signature leave the browser.
 */
import { currentSession } from '../auth/authSession';
import { deviceStore } from '../auth/deviceStore';
import { NotEnrolledError } from '../auth/flows';
import { toBase64Url } from '../crypto/bytes';
import { compositeSign } from '../crypto/composite';

/** Signs on behalf of the signed-in device. */
export interface DeviceSigner {
  /** Serial of the device certificate (goes into the payload). */
  certSerial: string;
  /** Now, on the server's clock (payload timestamps must be within the allowed skew). */
  now(): Date;
  /** Signs `message` under `context`; the signature as base64url. */
  sign(message: Uint8Array, context: Uint8Array): Promise<string>;
}

let testSigner: DeviceSigner | null = null;

/** Replaces the device signer (tests only; `null` restores the real one). */
export function setDeviceSignerForTests(signer: DeviceSigner | null): void {
  testSigner = signer;
}

/** Thrown when nobody is signed in with a device. */
export class NoDeviceSessionError extends Error {
  override readonly name = 'NoDeviceSessionError';
  constructor() {
    super('Sign in with this browser’s device key to sign.');
  }
}

/** The signer of the tab's signed-in device session. */
export function deviceSigner(): DeviceSigner {
  if (testSigner) return testSigner;
  const session = currentSession();
  if (!session) throw new NoDeviceSessionError();
  const { username, deviceCertSerial } = session.info;
  const offsetMs = session.clockOffsetSecs * 1000;
  return {
    certSerial: deviceCertSerial,
    now: () => new Date(Date.now() + offsetMs),
    async sign(message, context) {
      const device = await (await deviceStore()).load(username);
      if (!device) throw new NotEnrolledError(username);
      try {
        if (device.enrollment.certSerial !== deviceCertSerial) {
          throw new Error('This browser’s device key changed since sign-in. Sign in again.');
        }
        return toBase64Url(compositeSign(device.key.privateKey, message, context));
      } finally {
        device.key.privateKey.fill(0);
      }
    },
  };
}
