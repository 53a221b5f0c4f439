import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { ProblemAlert } from '../../api/ProblemAlert';
import {
  allCertificates,
  REVOCATION_REASONS,
  revokeCertificate,
  type Certificate,
} from '../../api/staff';
import { PageHeader } from '../../components/PageHeader';
import { ConfirmAction, DateTime, Empty, QueryView, RoleGate, ShortId } from '../../ledger/ui';

const CERTS_KEY = ['admin', 'certificates'] as const;

/** Every issued certificate; revoke behind a confirmation. */
export function CertificatesPage() {
  return (
    <>
      <PageHeader
        eyebrow="Administration"
        title="Certificates"
        description="Device certificates issued by the bank's CA. Revoking one refuses the device's next request and publishes a new CRL."
      />
      <RoleGate area="admin">
        <Certificates />
      </RoleGate>
    </>
  );
}

function Certificates() {
  const ids = useId();
  const [status, setStatus] = useState<'' | 'valid' | 'revoked'>('valid');
  const certs = useQuery({
    queryKey: [...CERTS_KEY, status],
    queryFn: ({ signal }) => allCertificates(status, signal),
  });
  return (
    <section className="card" aria-label="Certificates">
      <div className="field field-inline">
        <label htmlFor={`${ids}-status`}>Status</label>
        <select
          id={`${ids}-status`}
          value={status}
          onChange={(e) => {
            setStatus(e.target.value as '' | 'valid' | 'revoked');
          }}
        >
          <option value="valid">Valid</option>
          <option value="revoked">Revoked</option>
          <option value="">All</option>
        </select>
      </div>
      <QueryView query={certs} loading="Loading certificates…" context="Loading certificates">
        {(list) =>
          list.length === 0 ? (
            <Empty title="No certificates" />
          ) : (
            <div className="table-wrap">
              <table className="table" data-testid="certificates">
                <thead>
                  <tr>
                    <th scope="col">Serial</th>
                    <th scope="col">User</th>
                    <th scope="col">Device</th>
                    <th scope="col">Usage</th>
                    <th scope="col">Expires</th>
                    <th scope="col">Status</th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((c) => (
                    <CertRow key={c.serial} cert={c} />
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </QueryView>
    </section>
  );
}

function CertRow({ cert }: { cert: Certificate }) {
  const ids = useId();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState(1);
  const revoke = useMutation({
    mutationFn: () => revokeCertificate(cert.serial, reason),
    onSettled: () => queryClient.invalidateQueries({ queryKey: CERTS_KEY }),
  });
  return (
    <tr data-serial={cert.serial} data-device={cert.device_id} data-user={cert.user_id}>
      <td>
        <code className="selectable">{cert.serial}</code>
      </td>
      <td>
        <ShortId id={cert.user_id} />
      </td>
      <td>
        <ShortId id={cert.device_id} />
      </td>
      <td>{cert.usage}</td>
      <td>
        <DateTime value={cert.not_after} />
      </td>
      <td>{cert.status}</td>
      <td>
        {cert.status === 'valid' && (
          <div className="button-row">
            <label htmlFor={`${ids}-reason`} className="sr-only">
              Reason
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
              question={`Revoke certificate ${cert.serial}? The device is refused from its next request; this cannot be undone.`}
              confirmLabel="Revoke certificate"
              disabled={revoke.isPending}
              onConfirm={() => {
                revoke.mutate();
              }}
            />
          </div>
        )}
        {revoke.isError && <ProblemAlert error={revoke.error} context="Revoking the certificate" />}
      </td>
    </tr>
  );
}
