import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { CircleCheck, CircleX } from 'lucide-react';
import { useEffect, useId, useMemo, useState } from 'react';
import { ProblemAlert } from '../../api/ProblemAlert';
import {
  consistencyProof,
  latestCheckpoint,
  signCheckpoint,
  type CheckpointInfo,
} from '../../api/staff';
import {
  clearHistory,
  loadHistory,
  mergeCheckpoints,
  saveHistory,
} from '../../audit/checkpointHistory';
import { checkConsistency, type ConsistencyCheck } from '../../audit/consistency';
import { parseCheckpointNote } from '../../audit/merkle';
import { KeyProvenance, SignatureStatus } from '../../audit/SignatureStatus';
import { checkCheckpoint, useAuditKey } from '../../audit/useAuditKey';
import { PageHeader } from '../../components/PageHeader';
import { toHex } from '../../crypto/bytes';
import { DateTime, Loading, QueryView, RoleGate } from '../../ledger/ui';

/** The latest signed checkpoint, parsed, and signing a new one. */
export function CheckpointsPage() {
  return (
    <>
      <PageHeader
        eyebrow="Audit"
        title="Checkpoints"
        description="Signed tree heads of the audit log (C2SP tlog-checkpoint notes, composite ML-DSA-65 + Ed25519)."
      />
      <RoleGate area="auditor">
        <Checkpoints />
      </RoleGate>
    </>
  );
}

function Checkpoints() {
  const queryClient = useQueryClient();
  const [stored, setStored] = useState<CheckpointInfo[]>(() => loadHistory());
  const query = useQuery({
    queryKey: ['audit', 'checkpoint'],
    queryFn: ({ signal }) => latestCheckpoint(signal),
  });
  const sign = useMutation({
    mutationFn: signCheckpoint,
    onSuccess: (cp) => {
      // Keep the one it replaces in the history too.
      const before = queryClient.getQueryData<CheckpointInfo>(['audit', 'checkpoint']);
      setStored((s) => mergeCheckpoints(s, before ? [before, cp] : [cp]));
      queryClient.setQueryData(['audit', 'checkpoint'], cp);
    },
  });
  const latest = query.data;
  const history = useMemo(() => mergeCheckpoints(stored, latest ? [latest] : []), [stored, latest]);
  useEffect(() => {
    // Merged with storage, so that another tab's checkpoints are not lost.
    saveHistory(mergeCheckpoints(loadHistory(), history));
  }, [history]);
  return (
    <>
      <LatestCheckpoint query={query} sign={sign} />
      <History
        history={history}
        onClear={() => {
          clearHistory();
          setStored([]);
        }}
      />
    </>
  );
}

function LatestCheckpoint({
  query,
  sign,
}: {
  query: ReturnType<typeof useQuery<CheckpointInfo>>;
  sign: ReturnType<typeof useMutation<CheckpointInfo>>;
}) {
  const auditKey = useAuditKey();
  const key = auditKey.data;
  return (
    <section className="card" aria-label="Latest checkpoint">
      <QueryView query={query} loading="Loading the checkpoint…" context="Loading the checkpoint">
        {(cp) => {
          let parsed: ReturnType<typeof parseCheckpointNote> | null = null;
          try {
            parsed = parseCheckpointNote(cp.note);
          } catch {
            parsed = null;
          }
          return (
            <>
              <dl className="facts">
                <div>
                  <dt>size</dt>
                  <dd>{cp.size}</dd>
                </div>
                <div>
                  <dt>signed</dt>
                  <dd>
                    <DateTime value={cp.time} />
                  </dd>
                </div>
                <div>
                  <dt>origin</dt>
                  <dd>{parsed?.origin ?? 'unreadable note'}</dd>
                </div>
                <div>
                  <dt>root hash</dt>
                  <dd>
                    <code className="selectable break">{parsed ? toHex(parsed.root) : '—'}</code>
                  </dd>
                </div>
                <div>
                  <dt>signatures</dt>
                  <dd>
                    {parsed?.signatures
                      .map(
                        (s) =>
                          `${s.name} (key ${toHex(s.keyId)}, ${String(s.signature.length)} bytes)`,
                      )
                      .join(', ') ?? '—'}
                  </dd>
                </div>
              </dl>
              {auditKey.isError ? (
                <ProblemAlert error={auditKey.error} context="Loading the audit key" />
              ) : key ? (
                <>
                  <SignatureStatus check={checkCheckpoint(cp, key)} />
                  <KeyProvenance auditKey={key} />
                </>
              ) : (
                <Loading label="Checking the checkpoint signature…" />
              )}
              <pre className="payload">{cp.note}</pre>
            </>
          );
        }}
      </QueryView>
      <div className="button-row">
        <button
          type="button"
          className="button button-primary"
          disabled={sign.isPending}
          onClick={() => {
            sign.mutate();
          }}
        >
          Sign a checkpoint now
        </button>
      </div>
      {sign.isError && <ProblemAlert error={sign.error} context="Signing a checkpoint" />}
    </section>
  );
}

function rootHex(cp: CheckpointInfo): string | null {
  try {
    return toHex(parseCheckpointNote(cp.note).root);
  } catch {
    return null;
  }
}

/** Checks that the newer checkpoint's tree extends the older one's, in this browser. */
async function verifyPair(
  older: CheckpointInfo,
  newer: CheckpointInfo,
  signal?: AbortSignal,
): Promise<ConsistencyCheck> {
  const a = parseCheckpointNote(older.note);
  const b = parseCheckpointNote(newer.note);
  const proof = await consistencyProof(older.size, newer.size, signal);
  if (proof.first !== older.size || proof.second !== newer.size) {
    return { ok: false, reason: 'The server answered for other tree sizes.', pathLength: 0 };
  }
  return checkConsistency(a, b, proof.hashes);
}

function History({ history, onClear }: { history: CheckpointInfo[]; onClear: () => void }) {
  const ids = useId();
  const [firstIdx, setFirstIdx] = useState<number | null>(null);
  const [secondIdx, setSecondIdx] = useState<number | null>(null);
  // Defaults: the two newest checkpoints.
  const first = firstIdx ?? Math.max(0, history.length - 2);
  const second = secondIdx ?? history.length - 1;
  const verify = useMutation({
    mutationFn: ({ older, newer }: { older: CheckpointInfo; newer: CheckpointInfo }) =>
      verifyPair(older, newer),
  });
  const older = history[first];
  const newer = history[second];
  const orderError =
    older && newer && older.size > newer.size
      ? 'Choose an older checkpoint that is not larger than the newer one.'
      : null;
  const option = (cp: CheckpointInfo, i: number) => (
    <option key={cp.note} value={i}>
      {`${String(cp.size)} entries — ${new Date(cp.time).toLocaleString()}`}
    </option>
  );
  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <div className="card-head card-head-row">
        <h2 id={`${ids}-title`} className="card-title">
          Checkpoints seen by this browser
        </h2>
        {history.length > 1 && (
          <button type="button" className="button button-secondary button-small" onClick={onClear}>
            Forget older checkpoints
          </button>
        )}
      </div>
      <p className="muted">
        This browser remembers every checkpoint it has seen. Pick two to have the server prove that
        the log only grew between them; the proof is checked here (RFC 9162, section 2.1.4.2).
      </p>
      <div className="table-wrap">
        <table className="table" data-testid="checkpoint-history">
          <thead>
            <tr>
              <th scope="col">Size</th>
              <th scope="col">Signed</th>
              <th scope="col">Root hash</th>
            </tr>
          </thead>
          <tbody>
            {history
              .slice()
              .reverse()
              .map((cp) => (
                <tr key={cp.note} data-size={cp.size}>
                  <td className="num">{cp.size}</td>
                  <td>
                    <DateTime value={cp.time} />
                  </td>
                  <td>
                    <code className="selectable break">{rootHex(cp) ?? 'unreadable note'}</code>
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      </div>
      {history.length < 2 ? (
        <p className="muted">Sign another checkpoint after some activity to compare two of them.</p>
      ) : (
        <form
          className="form"
          aria-label="Consistency proof"
          onSubmit={(e) => {
            e.preventDefault();
            if (older && newer && !orderError) verify.mutate({ older, newer });
          }}
        >
          <div className="filter-row">
            <div className="field">
              <label htmlFor={`${ids}-first`}>Older checkpoint</label>
              <select
                id={`${ids}-first`}
                value={first}
                onChange={(e) => {
                  setFirstIdx(Number(e.target.value));
                  verify.reset();
                }}
              >
                {history.map(option)}
              </select>
            </div>
            <div className="field">
              <label htmlFor={`${ids}-second`}>Newer checkpoint</label>
              <select
                id={`${ids}-second`}
                value={second}
                onChange={(e) => {
                  setSecondIdx(Number(e.target.value));
                  verify.reset();
                }}
              >
                {history.map(option)}
              </select>
            </div>
          </div>
          {orderError && (
            <p className="field-error" role="alert">
              {orderError}
            </p>
          )}
          <button
            type="submit"
            className="button button-primary"
            disabled={verify.isPending || orderError !== null}
          >
            Verify consistency
          </button>
        </form>
      )}
      {verify.isError && (
        <ProblemAlert error={verify.error} context="Fetching the consistency proof" />
      )}
      {verify.data && (
        <p
          className={verify.data.ok ? 'notice notice-info' : 'notice notice-warn'}
          role="status"
          data-testid="consistency-result"
          data-ok={verify.data.ok}
        >
          {verify.data.ok ? (
            <CircleCheck aria-hidden="true" className="inline-icon" />
          ) : (
            <CircleX aria-hidden="true" className="inline-icon" />
          )}{' '}
          {verify.data.ok ? 'Consistent: ' : 'Not consistent: '}
          {verify.data.reason} ({verify.data.pathLength} proof hashes)
        </p>
      )}
    </section>
  );
}
