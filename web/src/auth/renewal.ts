/**
 * Renewal of this browser's own device certificate: the server re-issues the certificate for
 * the same device key (no CSR needed), and the browser's device store then points at the new
 * serial, so the next sign-in presents it.
 */
import { renewCertificate, type IssuedCertificate } from '../api/security';
import { deviceStore } from './deviceStore';

/** Outcome of {@link renewBrowserCertificate}. */
export interface Renewed {
  issued: IssuedCertificate;
  /** Whether this browser's device store now holds the new certificate. */
  stored: boolean;
}

/** Renews `serial` (this browser's signature certificate) and stores the new one locally. */
export async function renewBrowserCertificate(username: string, serial: string): Promise<Renewed> {
  const issued = await renewCertificate(serial);
  let stored = false;
  try {
    stored = await (
      await deviceStore()
    ).updateEnrollment(username, (e) =>
      e.certSerial === serial
        ? { ...e, certSerial: issued.serial, certPem: issued.pem, notAfter: issued.not_after }
        : null,
    );
  } catch {
    stored = false;
  }
  return { issued, stored };
}
