import { CircleCheck, CircleX } from 'lucide-react';
import { downloadText } from '../ledger/format';
import type { AuditKey, SignatureCheck } from './checkpointSignature';

/** Where the key comes from, and the certificate for an offline check. */
export function KeyProvenance({ auditKey }: { auditKey: AuditKey }) {
  return (
    <p className="muted">
      The audit key (algorithm <code>{auditKey.algorithm}</code>, log <code>{auditKey.origin}</code>
      ) comes from this server over TLS. For a check that does not rest on this page, download its
      certificate, issued by the bank’s CA, and verify checkpoints offline.{' '}
      <button
        type="button"
        className="button button-secondary button-small"
        onClick={() => {
          downloadText(auditKey.certificatePem, 'pqbank-audit-key.pem', 'application/x-pem-file');
        }}
      >
        Download the audit key certificate
      </button>
    </p>
  );
}

/** The outcome of a checkpoint signature check, announced politely. */
export function SignatureStatus({
  check,
  compact = false,
}: {
  check: SignatureCheck;
  compact?: boolean;
}) {
  return (
    <p
      className={check.ok ? 'notice notice-info' : 'notice notice-warn'}
      role="status"
      data-testid="signature-result"
      data-ok={String(check.ok)}
    >
      {check.ok ? (
        <CircleCheck aria-hidden="true" className="inline-icon" />
      ) : (
        <CircleX aria-hidden="true" className="inline-icon" />
      )}{' '}
      {check.ok
        ? check.reason
        : `Checkpoint signature NOT verified${compact ? '' : ' — its root is not trusted'}: ${check.reason}`}
    </p>
  );
}
