import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { MonitorSmartphone } from 'lucide-react';
import { useId, useState } from 'react';
import { ProblemAlert } from '../../api/ProblemAlert';
import {
  listDevices,
  myCertificates,
  removeDevice,
  REVOCATION_REASONS,
  revokeCertificate,
  SECURITY_KEYS,
  type DeviceCert,
  type MyCertificate,
  type UserDevice,
  type WhoAmI,
} from '../../api/security';
import { renewBrowserCertificate } from '../../auth/renewal';
import { PageHeader } from '../../components/PageHeader';
import { downloadText } from '../../ledger/format';
import { ConfirmAction, DateTime, Empty, QueryView, RoleGate } from '../../ledger/ui';
import { useWhoAmI } from './useWhoAmI';

/** The customer's devices and their certificates: download, renew, revoke, remove. */
export function DevicesPage() {
  return (
    <>
      <PageHeader
        eyebrow="Security"
        title="Devices & certificates"
        description="Every device that can sign in to your accounts holds a certificate from the bank. Remove a device you no longer use or do not recognise; it is refused from its next request."
      />
      <RoleGate area="customer">
        <Devices />
      </RoleGate>
    </>
  );
}

function Devices() {
  const me = useWhoAmI();
  return (
    <QueryView query={me} loading="Loading your devices…" context="Loading who you are">
      {(who) => <DeviceList me={who} />}
    </QueryView>
  );
}

function DeviceList({ me }: { me: WhoAmI }) {
  const ids = useId();
  const [showRemoved, setShowRemoved] = useState(false);
  const devices = useQuery({
    queryKey: [...SECURITY_KEYS.devices, me.userId],
    queryFn: ({ signal }) => listDevices(me.userId, signal),
  });
  const certs = useQuery({
    queryKey: SECURITY_KEYS.certificates,
    queryFn: ({ signal }) => myCertificates(signal),
  });
  const bySerial = new Map((certs.data ?? []).map((c) => [c.serial, c]));
  return (
    <QueryView query={devices} loading="Loading your devices…" context="Loading your devices">
      {(list) => {
        // This browser first, then the newest.
        const sorted = list
          .slice()
          .sort(
            (a, b) =>
              Number(b.id === me.deviceId) - Number(a.id === me.deviceId) ||
              b.created_at.localeCompare(a.created_at),
          );
        const active = sorted.filter((d) => d.status !== 'removed');
        const removed = sorted.filter((d) => d.status === 'removed');
        return (
          <>
            {certs.isError && (
              <ProblemAlert
                error={certs.error}
                context="Loading your certificates (downloads are unavailable)"
                compact
              />
            )}
            {active.length === 0 ? (
              <Empty title="No active devices" />
            ) : (
              <ul className="device-list" aria-label="Your devices">
                {active.map((d) => (
                  <DeviceCard key={d.id} device={d} me={me} bySerial={bySerial} />
                ))}
              </ul>
            )}
            {removed.length > 0 && (
              <section className="card" aria-labelledby={`${ids}-removed`}>
                <div className="card-head">
                  <h2 id={`${ids}-removed`} className="card-title">
                    Removed devices ({removed.length})
                  </h2>
                  <button
                    type="button"
                    className="button button-secondary button-small"
                    aria-expanded={showRemoved}
                    onClick={() => {
                      setShowRemoved(!showRemoved);
                    }}
                  >
                    {showRemoved ? 'Hide' : 'Show'}
                  </button>
                </div>
                {showRemoved && (
                  <ul className="device-list" aria-label="Removed devices">
                    {removed.map((d) => (
                      <DeviceCard key={d.id} device={d} me={me} bySerial={bySerial} />
                    ))}
                  </ul>
                )}
              </section>
            )}
          </>
        );
      }}
    </QueryView>
  );
}

function DeviceCard({
  device,
  me,
  bySerial,
}: {
  device: UserDevice;
  me: WhoAmI;
  bySerial: ReadonlyMap<string, MyCertificate>;
}) {
  const ids = useId();
  const queryClient = useQueryClient();
  const thisBrowser = device.id === me.deviceId;
  const remove = useMutation({
    mutationFn: () => removeDevice(device.id),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['my'] }),
  });
  return (
    <li
      className="card device-card"
      data-testid="device"
      data-device={device.id}
      data-this-browser={thisBrowser}
      aria-labelledby={`${ids}-name`}
    >
      <div className="card-head">
        <div>
          <h2 id={`${ids}-name`} className="card-title">
            <MonitorSmartphone aria-hidden="true" className="inline-icon" /> {device.name}{' '}
            {thisBrowser && <span className="pill pill-ok">This browser</span>}
          </h2>
          <p className="card-subtitle">
            {device.status === 'removed' ? 'Removed' : 'Active'} · added{' '}
            <DateTime value={device.created_at} />
          </p>
        </div>
        {device.status !== 'removed' && (
          <ConfirmAction
            label="Remove device"
            question={
              thisBrowser
                ? `Remove “${device.name}”, the device of this browser? Its certificates are revoked and you are signed out here; you need a clerk or another device to enrol it again.`
                : `Remove “${device.name}”? Its certificates are revoked and its sessions end. This cannot be undone.`
            }
            confirmLabel="Remove device"
            disabled={remove.isPending}
            onConfirm={() => {
              remove.mutate();
            }}
          />
        )}
      </div>
      {remove.isError && <ProblemAlert error={remove.error} context="Removing the device" />}
      {device.certificates.length === 0 ? (
        <p className="muted">No certificates.</p>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label={`Certificates of ${device.name}`}>
            <thead>
              <tr>
                <th scope="col">Serial</th>
                <th scope="col">Usage</th>
                <th scope="col">Expires</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {device.certificates.map((c) => (
                <CertRow
                  key={c.serial}
                  cert={c}
                  full={bySerial.get(c.serial)}
                  me={me}
                  thisBrowser={thisBrowser}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </li>
  );
}

function certState(cert: DeviceCert, full: MyCertificate | undefined): string {
  if (cert.status === 'revoked') return 'Revoked';
  if (full?.superseded_by) return 'Renewed';
  if (Date.parse(cert.not_after) < Date.now()) return 'Expired';
  return 'Valid';
}

function CertRow({
  cert,
  full,
  me,
  thisBrowser,
}: {
  cert: DeviceCert;
  full: MyCertificate | undefined;
  me: WhoAmI;
  thisBrowser: boolean;
}) {
  const ids = useId();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState(4);
  const invalidate = () => queryClient.invalidateQueries({ queryKey: ['my'] });
  const revoke = useMutation({
    mutationFn: () => revokeCertificate(cert.serial, reason),
    onSettled: invalidate,
  });
  const renew = useMutation({
    mutationFn: () => renewBrowserCertificate(me.username, cert.serial),
    onSettled: invalidate,
  });
  const state = certState(cert, full);
  const signedInWith = cert.serial === me.deviceCertSerial;
  const canRenew =
    thisBrowser && cert.usage === 'signature' && state === 'Valid' && !renew.isSuccess;
  const tone = state === 'Valid' ? 'ok' : state === 'Renewed' ? 'loading' : 'down';
  return (
    <tr data-serial={cert.serial} data-state={state}>
      <td>
        <code className="selectable break">{cert.serial}</code>
        {signedInWith && <span className="muted small"> (this sign-in)</span>}
      </td>
      <td>
        {cert.usage === 'signature'
          ? 'Signing'
          : cert.usage === 'kem'
            ? 'Key exchange'
            : cert.usage}
      </td>
      <td>
        <DateTime value={cert.not_after} />
      </td>
      <td>
        <span className={`pill pill-${tone}`}>{state}</span>
      </td>
      <td>
        <div className="button-row">
          {full?.pem && (
            <button
              type="button"
              className="button button-secondary button-small"
              aria-label={`Download PEM of ${cert.serial}`}
              onClick={() => {
                downloadText(full.pem, `pqbank-${cert.serial}.pem`, 'application/x-pem-file');
              }}
            >
              Download PEM
            </button>
          )}
          {canRenew && (
            <button
              type="button"
              className="button button-secondary button-small"
              disabled={renew.isPending}
              onClick={() => {
                renew.mutate();
              }}
            >
              Renew
            </button>
          )}
          {cert.status === 'valid' && (
            <>
              <label htmlFor={`${ids}-reason`} className="sr-only">
                Reason for revoking {cert.serial}
              </label>
              <select
                id={`${ids}-reason`}
                value={reason}
                onChange={(e) => {
                  setReason(Number(e.target.value));
                }}
              >
                {REVOCATION_REASONS.map((r) => (
                  <option key={r.code} value={r.code}>
                    {r.label}
                  </option>
                ))}
              </select>
              <ConfirmAction
                label="Revoke"
                question={
                  signedInWith
                    ? `Revoke certificate ${cert.serial}? This browser signed in with it: you are signed out at your next request. This cannot be undone.`
                    : `Revoke certificate ${cert.serial}? The device can no longer use it. This cannot be undone.`
                }
                confirmLabel="Revoke certificate"
                disabled={revoke.isPending}
                onConfirm={() => {
                  revoke.mutate();
                }}
              />
            </>
          )}
        </div>
        {renew.isSuccess && (
          <p className="notice notice-info" role="status">
            Renewed: new certificate <code className="selectable">{renew.data.issued.serial}</code>{' '}
            valid until <DateTime value={renew.data.issued.not_after} />.{' '}
            {renew.data.stored
              ? 'This browser uses it from your next sign-in; sign out and in again before signing transfers.'
              : 'This browser does not hold the key of this device, so it keeps its old certificate.'}
          </p>
        )}
        {renew.isError && <ProblemAlert error={renew.error} context="Renewing the certificate" />}
        {revoke.isError && <ProblemAlert error={revoke.error} context="Revoking the certificate" />}
      </td>
    </tr>
  );
}
