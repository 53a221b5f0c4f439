import { useQuery } from '@tanstack/react-query';
import { Download } from 'lucide-react';
import { caOverview, type CaCert } from '../../api/staff';
import { PageHeader } from '../../components/PageHeader';
import { DateTime, QueryView, RoleGate } from '../../ledger/ui';

/** The CA hierarchy and downloads of the CA certificate and the CRL. */
export function CaPage() {
  return (
    <>
      <PageHeader
        eyebrow="Administration"
        title="Certificate authority"
        description="The hybrid (composite ML-DSA-65 + Ed25519) root and issuing CA, and the current revocation list."
      />
      <RoleGate area="admin">
        <Ca />
      </RoleGate>
    </>
  );
}

function CaCard({ title, cert }: { title: string; cert: CaCert }) {
  return (
    <section className="card" aria-label={title}>
      <h2 className="card-title">{title}</h2>
      <dl className="facts">
        <div>
          <dt>subject</dt>
          <dd>{cert.subject}</dd>
        </div>
        <div>
          <dt>algorithm</dt>
          <dd>{cert.algorithm}</dd>
        </div>
        <div>
          <dt>serial</dt>
          <dd>
            <code className="selectable break">{cert.serial}</code>
          </dd>
        </div>
        <div>
          <dt>valid from</dt>
          <dd>
            <DateTime value={cert.not_before} />
          </dd>
        </div>
        <div>
          <dt>valid until</dt>
          <dd>
            <DateTime value={cert.not_after} />
          </dd>
        </div>
      </dl>
    </section>
  );
}

function Ca() {
  const ca = useQuery({ queryKey: ['pki', 'ca'], queryFn: ({ signal }) => caOverview(signal) });
  return (
    <>
      <QueryView query={ca} loading="Loading the CA…" context="Loading the CA">
        {(o) => (
          <>
            <CaCard title="Root CA" cert={o.root} />
            <CaCard title="Issuing CA" cert={o.issuing} />
            <p className="muted">Issuing CAs still validating: {o.issuing_cas}</p>
          </>
        )}
      </QueryView>
      <section className="card" aria-label="Downloads">
        <div className="button-row">
          <a className="button button-secondary" href="/pki/ca.pem" download="pqbank-ca.pem">
            <Download aria-hidden="true" className="inline-icon" /> CA certificate (PEM)
          </a>
          <a className="button button-secondary" href="/pki/crl.pem" download="pqbank-crl.pem">
            <Download aria-hidden="true" className="inline-icon" /> CRL (PEM)
          </a>
        </div>
      </section>
    </>
  );
}
