import type { Transfer } from '../api/ledger';
import { kindLabel } from './format';
import { canonicalOf } from './transfer';
import { Amount, DateTime, TransferStatusPill } from './ui';

/** All facts of a transfer, and the payload its initiator signed. */
export function TransferDetails({ transfer: t }: { transfer: Transfer }) {
  const canonical = canonicalOf(t);
  return (
    <section className="card" aria-label="Transfer details" data-testid="transfer-details">
      <div className="account-card-head">
        <div>
          <h2 className="card-title">
            {kindLabel(t.kind)} of <Amount money={t.amount} />
          </h2>
          <p className="card-subtitle">
            <code className="selectable">{t.id}</code>
          </p>
        </div>
        <TransferStatusPill status={t.status} />
      </div>
      <dl className="facts">
        <div>
          <dt>From</dt>
          <dd>
            <code className="selectable">{t.from_account}</code>
          </dd>
        </div>
        <div>
          <dt>To</dt>
          <dd>
            <code className="selectable">{t.to_account}</code>
          </dd>
        </div>
        <div>
          <dt>Reference</dt>
          <dd>{t.reference || <span className="muted">(none)</span>}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>
            <DateTime value={t.created_at} />
          </dd>
        </div>
        <div>
          <dt>Initiator</dt>
          <dd>
            <code className="selectable">{t.initiator_id}</code>
          </dd>
        </div>
        <div>
          <dt>Signed with certificate</dt>
          <dd>
            <code className="selectable">{t.initiator_cert_serial}</code> ({t.signature_algorithm})
          </dd>
        </div>
        {t.expires_at && t.status === 'pending_approval' && (
          <div>
            <dt>Expires</dt>
            <dd>
              <DateTime value={t.expires_at} />
            </dd>
          </div>
        )}
        {t.decided_at && (
          <div>
            <dt>Decided</dt>
            <dd>
              <DateTime value={t.decided_at} />
              {t.decided_by && (
                <>
                  {' '}
                  by <code>{t.decided_by}</code>
                </>
              )}
            </dd>
          </div>
        )}
        {t.reason && (
          <div>
            <dt>Reason</dt>
            <dd>{t.reason}</dd>
          </div>
        )}
        <div>
          <dt>Payload SHA-256</dt>
          <dd>
            <code className="selectable break">{t.payload_sha256}</code>
          </dd>
        </div>
      </dl>
      <h3 className="subheading">Signed payload</h3>
      {canonical ? (
        <pre className="payload" aria-label="Signed payload">
          {canonical}
        </pre>
      ) : (
        <p className="notice notice-warn">The stored payload is not a transfer payload.</p>
      )}
      {t.approval && (
        <>
          <h3 className="subheading">Signed decision</h3>
          <p className="muted small">
            Certificate <code>{t.approval.cert_serial}</code>
          </p>
          <pre className="payload" aria-label="Signed decision">
            {t.approval.payload}
          </pre>
        </>
      )}
    </section>
  );
}
