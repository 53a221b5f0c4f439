import { useQuery, type UseQueryResult } from '@tanstack/react-query';
import { CircleCheck, CircleX } from 'lucide-react';
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { ProblemAlert } from '../../api/ProblemAlert';
import {
  auditEntries,
  inclusionProof,
  latestCheckpoint,
  type AuditEntry,
  type CheckpointInfo,
} from '../../api/staff';
import type { AuditKey, SignatureCheck } from '../../audit/checkpointSignature';
import { checkInclusion, type InclusionCheck } from '../../audit/merkle';
import { KeyProvenance, SignatureStatus } from '../../audit/SignatureStatus';
import { checkCheckpoint, useAuditKey } from '../../audit/useAuditKey';
import { matchesFilter, summarizeEvent } from '../../audit/events';
import { PageHeader } from '../../components/PageHeader';
import { DateTime, Empty, Loading, QueryView, RoleGate } from '../../ledger/ui';

const PAGE = 50;

/** The audit log: newest entries first, filter, and an in-browser inclusion proof check. */
export function AuditLogPage() {
  return (
    <>
      <PageHeader
        eyebrow="Audit"
        title="Audit log"
        description="Every operation, in a tamper-evident Merkle log. Pick an entry to verify, in this browser, the latest checkpoint's signature and the entry's inclusion proof against it."
      />
      <RoleGate area="auditor">
        <AuditLog />
      </RoleGate>
    </>
  );
}

function AuditLog() {
  const checkpoint = useQuery({
    queryKey: ['audit', 'checkpoint'],
    queryFn: ({ signal }) => latestCheckpoint(signal),
  });
  const auditKey = useAuditKey();
  return (
    <QueryView
      query={checkpoint}
      loading="Loading the latest checkpoint…"
      context="Loading the checkpoint"
    >
      {(cp) => <EntryBrowser checkpoint={cp} auditKey={auditKey} />}
    </QueryView>
  );
}

/** The entry index asked for with `?index=` (links from alerts' evidence), if valid. */
function targetIndex(value: string | null): number | null {
  if (value === null || !/^(0|[1-9][0-9]{0,15})$/.test(value)) return null;
  return Number(value);
}

/** The checkpoint's signature, checked once the key is in. */
function useSignatureCheck(
  checkpoint: CheckpointInfo,
  auditKey: UseQueryResult<AuditKey>,
): SignatureCheck | null {
  const key = auditKey.data;
  return useMemo(() => (key ? checkCheckpoint(checkpoint, key) : null), [checkpoint, key]);
}

/** The signature line of a checkpoint card: checking, failed to load the key, or the outcome. */
function CheckpointSignature({
  auditKey,
  signature,
}: {
  auditKey: UseQueryResult<AuditKey>;
  signature: SignatureCheck | null;
}) {
  if (auditKey.isError) {
    return <ProblemAlert error={auditKey.error} context="Loading the audit key" />;
  }
  if (!signature || !auditKey.data) return <Loading label="Checking the checkpoint signature…" />;
  return (
    <>
      <SignatureStatus check={signature} />
      <KeyProvenance auditKey={auditKey.data} />
    </>
  );
}

function EntryBrowser({
  checkpoint,
  auditKey,
}: {
  checkpoint: CheckpointInfo;
  auditKey: UseQueryResult<AuditKey>;
}) {
  const signature = useSignatureCheck(checkpoint, auditKey);
  const ids = useId();
  const [params] = useSearchParams();
  const target = targetIndex(params.get('index'));
  const targetInLog = target !== null && target < checkpoint.size;
  // A page that holds the asked-for entry (about in its middle), else the newest page.
  const [end, setEnd] = useState(() =>
    targetInLog ? Math.min(checkpoint.size, target + PAGE / 2) : checkpoint.size,
  );
  const targetRow = useRef<HTMLTableRowElement>(null);
  const [filter, setFilter] = useState('');
  const [selected, setSelected] = useState<AuditEntry | null>(null);
  const start = Math.max(0, end - PAGE);
  const entries = useQuery({
    queryKey: ['audit', 'entries', start, end],
    queryFn: ({ signal }) => auditEntries(start, end, signal),
    enabled: end > 0,
  });
  const rows = (entries.data ?? []).filter((e) => matchesFilter(e.leaf, filter)).reverse();
  const loaded = entries.data !== undefined;
  useEffect(() => {
    // jsdom has no scrollIntoView.
    const row: Partial<HTMLElement> | null = targetRow.current;
    if (loaded) row?.scrollIntoView?.({ block: 'center' });
  }, [loaded, target]);
  return (
    <>
      <section className="card" aria-label="Checkpoint">
        <p>
          Latest checkpoint: <strong data-testid="checkpoint-size">{checkpoint.size}</strong>{' '}
          entries, signed <DateTime value={checkpoint.time} />.
        </p>
        <CheckpointSignature auditKey={auditKey} signature={signature} />
        {target !== null && !targetInLog && (
          <p className="notice notice-warn" role="status">
            Entry #{target} is not covered by the latest checkpoint yet. Sign a new checkpoint on
            the Checkpoints page, then open this link again.
          </p>
        )}
      </section>
      {selected && (
        <ProofPanel
          entry={selected}
          checkpoint={checkpoint}
          signature={signature}
          keyFailed={auditKey.isError}
          onClose={() => {
            setSelected(null);
          }}
        />
      )}
      <section className="card" aria-label="Entries">
        <div className="field field-inline">
          <label htmlFor={`${ids}-filter`}>Filter</label>
          <input
            id={`${ids}-filter`}
            type="search"
            placeholder="action, actor, resource…"
            value={filter}
            onChange={(e) => {
              setFilter(e.target.value);
            }}
          />
        </div>
        {checkpoint.size === 0 ? (
          <Empty title="The log is empty" />
        ) : entries.isPending ? (
          <Loading label="Loading entries…" />
        ) : entries.isError ? (
          <ProblemAlert error={entries.error} context="Loading audit entries" />
        ) : rows.length === 0 ? (
          <Empty title="No matching entries on this page" />
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="audit-entries">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Time</th>
                  <th scope="col">Action</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Resource</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">
                    <span className="sr-only">Verify</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((e) => {
                  const s = summarizeEvent(e.leaf);
                  return (
                    <tr
                      key={e.index}
                      data-action={s?.action ?? ''}
                      ref={e.index === target ? targetRow : undefined}
                      className={e.index === target ? 'row-highlight' : undefined}
                      aria-current={e.index === target ? 'true' : undefined}
                      data-target={e.index === target ? 'true' : undefined}
                    >
                      <td className="num">{e.index}</td>
                      <td>{s?.time ?? ''}</td>
                      <td>
                        <code>{s?.action ?? '(unreadable)'}</code>
                      </td>
                      <td>{s?.actor ?? ''}</td>
                      <td>{s?.resource ?? ''}</td>
                      <td>{s?.outcome ?? ''}</td>
                      <td>
                        <button
                          type="button"
                          className="button button-secondary button-small"
                          onClick={() => {
                            setSelected(e);
                          }}
                        >
                          Verify #{e.index}
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
        <div className="button-row">
          <button
            type="button"
            className="button button-secondary"
            disabled={end >= checkpoint.size}
            onClick={() => {
              setEnd(Math.min(checkpoint.size, end + PAGE));
            }}
          >
            Newer
          </button>
          <span>
            Entries {start}–{Math.max(start, end - 1)} of {checkpoint.size}
          </span>
          <button
            type="button"
            className="button button-secondary"
            disabled={start === 0}
            onClick={() => {
              setEnd(start);
            }}
          >
            Older
          </button>
        </div>
      </section>
    </>
  );
}

function ProofPanel({
  entry,
  checkpoint,
  signature,
  keyFailed,
  onClose,
}: {
  entry: AuditEntry;
  checkpoint: CheckpointInfo;
  /** The checkpoint's signature check (null while the key loads). */
  signature: SignatureCheck | null;
  keyFailed: boolean;
  onClose: () => void;
}) {
  // Only a checkpoint whose signature verified is trusted for its root.
  const trusted = signature?.ok === true ? signature.checkpoint : null;
  const check = useQuery({
    queryKey: ['audit', 'inclusion', entry.index, checkpoint.size, checkpoint.note],
    queryFn: async ({ signal }): Promise<InclusionCheck & { pathLength: number }> => {
      const cp = trusted;
      if (!cp) throw new Error('The checkpoint is not verified.');
      const proof = await inclusionProof(entry.index, checkpoint.size, signal);
      return {
        ...checkInclusion(entry.leaf, proof.leaf_hash, BigInt(entry.index), proof.hashes, cp),
        pathLength: proof.hashes.length,
      };
    },
    retry: false,
    enabled: trusted !== null,
  });
  return (
    <section className="card" aria-label={`Inclusion proof of entry ${String(entry.index)}`}>
      <h2>Entry #{entry.index}</h2>
      <pre className="payload">{entry.leaf}</pre>
      {keyFailed ? (
        <p className="notice notice-warn" role="status" data-testid="proof-result" data-ok="false">
          <CircleX aria-hidden="true" className="inline-icon" /> Not verified: the audit key could
          not be loaded, so the checkpoint cannot be trusted.
        </p>
      ) : signature === null ? (
        <Loading label="Checking the checkpoint signature…" />
      ) : !signature.ok ? (
        <p className="notice notice-warn" role="status" data-testid="proof-result" data-ok="false">
          <CircleX aria-hidden="true" className="inline-icon" /> Not verified: the checkpoint’s
          signature does not verify, so its root is not trusted. {signature.reason}
        </p>
      ) : check.isPending ? (
        <Loading label="Fetching and checking the proof…" />
      ) : check.isError ? (
        <ProblemAlert error={check.error} context="Verifying the inclusion proof" />
      ) : (
        <div
          className={check.data.ok ? 'notice notice-info' : 'notice notice-warn'}
          role="status"
          data-testid="proof-result"
          data-ok={String(check.data.ok)}
        >
          {check.data.ok ? (
            <CircleCheck aria-hidden="true" className="notice-icon" />
          ) : (
            <CircleX aria-hidden="true" className="notice-icon" />
          )}
          <div>
            <strong>
              {check.data.ok
                ? `Verified: entry #${String(entry.index)} is in the log of ${String(checkpoint.size)} entries.`
                : 'Not verified.'}
            </strong>
            <p>{check.data.reason}</p>
            <p>{signature.reason}</p>
            <dl className="facts">
              <dt>Audit path</dt>
              <dd>{check.data.pathLength} hashes</dd>
              <dt>Computed root</dt>
              <dd>
                <code>{check.data.computedRoot ?? '—'}</code>
              </dd>
              <dt>Checkpoint root</dt>
              <dd>
                <code>{check.data.checkpointRoot}</code>
              </dd>
            </dl>
          </div>
        </div>
      )}
      <button type="button" className="button button-secondary" onClick={onClose}>
        Close
      </button>
    </section>
  );
}
