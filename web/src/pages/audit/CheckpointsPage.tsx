import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { CircleCheck, CircleX } from 'lucide-react';
import { useEffect, useId, useMemo, useState } from 'react';
import { checkpointHistory } from '../../api/audit';
import { ProblemAlert } from '../../api/ProblemAlert';
import {
  consistencyProof,
  latestCheckpoint,
  signCheckpoint,
  type CheckpointInfo,
} from '../../api/staff';
import type { AuditKey } from '../../audit/checkpointSignature';
import {
  clearHistory,
  loadHistory,
  mergeCheckpoints,
  saveHistory,
  unionCheckpoints,
} from '../../audit/checkpointHistory';
import { checkConsistency, type ConsistencyCheck } from '../../audit/consistency';
import { parseCheckpointNote } from '../../audit/merkle';
import { KeyProvenance, SignatureStatus } from '../../audit/SignatureStatus';
import { checkCheckpoint, fetchAuditKey, useAuditKey } from '../../audit/useAuditKey';
import { PageHeader } from '../../components/PageHeader';
import { toHex } from '../../crypto/bytes';
import { DateTime, Loading, QueryView, RoleGate } from '../../ledger/ui';

/** Checkpoints asked of the server per page. */
const HISTORY_PAGE = 50;

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
  const server = useInfiniteQuery({
    queryKey: ['audit', 'checkpoints'],
    queryFn: ({ pageParam, signal }) => checkpointHistory(pageParam, HISTORY_PAGE, signal),
    initialPageParam: null as number | null,
    getNextPageParam: (last) =>
      last.length < HISTORY_PAGE ? undefined : (last[last.length - 1]?.size ?? undefined),
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
  const listed = useMemo(() => server.data?.pages.flat() ?? [], [server.data]);
  const seen = useMemo(() => mergeCheckpoints(stored, latest ? [latest] : []), [stored, latest]);
  const history = useMemo(() => unionCheckpoints(listed, seen), [listed, seen]);
  const listedNotes = useMemo(() => new Set(listed.map((c) => c.note)), [listed]);
  useEffect(() => {
    // Merged with storage, so that another tab's checkpoints are not lost.
    saveHistory(mergeCheckpoints(loadHistory(), seen));
  }, [seen]);
  return (
    <>
      <LatestCheckpoint query={query} sign={sign} />
      <History
        history={history}
        listedNotes={listedNotes}
        server={server}
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

/**
 * Checks, in this browser, both checkpoints' signatures and then that the newer checkpoint's
 * tree extends the older one's. A root is only used once its signature verified.
 */
async function verifyPair(
  key: AuditKey,
  older: CheckpointInfo,
  newer: CheckpointInfo,
  signal?: AbortSignal,
): Promise<ConsistencyCheck> {
  for (const [which, cp] of [
    ['older', older],
    ['newer', newer],
  ] as const) {
    const check = checkCheckpoint(cp, key);
    if (!check.ok) {
      return {
        ok: false,
        reason: `The ${which} checkpoint’s signature does not verify: ${check.reason}`,
        pathLength: 0,
      };
    }
  }
  const a = parseCheckpointNote(older.note);
  const b = parseCheckpointNote(newer.note);
  const proof = await consistencyProof(older.size, newer.size, signal);
  if (proof.first !== older.size || proof.second !== newer.size) {
    return { ok: false, reason: 'The server answered for other tree sizes.', pathLength: 0 };
  }
  return checkConsistency(a, b, proof.hashes);
}

/** The signature cell of one history row. */
function RowSignature({ cp, auditKey }: { cp: CheckpointInfo; auditKey: AuditKey | undefined }) {
  if (!auditKey) return <span className="muted">…</span>;
  const check = checkCheckpoint(cp, auditKey);
  return check.ok ? (
    <span data-signature="verified">
      <CircleCheck aria-hidden="true" className="inline-icon" /> Verified
    </span>
  ) : (
    <span data-signature="failed" title={check.reason}>
      <CircleX aria-hidden="true" className="inline-icon" /> Not verified
      <span className="sr-only">: {check.reason}</span>
    </span>
  );
}

function History({
  history,
  listedNotes,
  server,
  onClear,
}: {
  history: CheckpointInfo[];
  listedNotes: ReadonlySet<string>;
  server: {
    isPending: boolean;
    isError: boolean;
    error: unknown;
    hasNextPage: boolean;
    isFetchingNextPage: boolean;
    fetchNextPage: () => unknown;
    refetch: () => unknown;
  };
  onClear: () => void;
}) {
  const ids = useId();
  const queryClient = useQueryClient();
  const auditKey = useAuditKey();
  const [firstIdx, setFirstIdx] = useState<number | null>(null);
  const [secondIdx, setSecondIdx] = useState<number | null>(null);
  // Defaults: the two newest checkpoints.
  const first = firstIdx ?? Math.max(0, history.length - 2);
  const second = secondIdx ?? history.length - 1;
  const verify = useMutation({
    mutationFn: async ({ older, newer }: { older: CheckpointInfo; newer: CheckpointInfo }) =>
      verifyPair(await fetchAuditKey(queryClient), older, newer),
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
  const remembered = history.some((cp) => !listedNotes.has(cp.note));
  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <div className="card-head card-head-row">
        <h2 id={`${ids}-title`} className="card-title">
          Checkpoint history
        </h2>
        {remembered && (
          <button type="button" className="button button-secondary button-small" onClick={onClear}>
            Forget this browser’s checkpoints
          </button>
        )}
      </div>
      <p className="muted">
        The checkpoints the server has signed, with those this browser remembers from earlier
        visits; each signature is checked here. Pick two to have the server prove that the log only
        grew between them; the proof is checked here too (RFC 9162, section 2.1.4.2).
      </p>
      {auditKey.isError && <ProblemAlert error={auditKey.error} context="Loading the audit key" />}
      {server.isError && (
        <ProblemAlert
          error={server.error}
          context="Loading the checkpoint history (showing this browser’s)"
          onRetry={() => {
            void server.refetch();
          }}
        />
      )}
      {server.isPending && <Loading label="Loading the checkpoint history…" />}
      <div className="table-wrap">
        <table className="table" data-testid="checkpoint-history">
          <thead>
            <tr>
              <th scope="col">Size</th>
              <th scope="col">Signed</th>
              <th scope="col">Root hash</th>
              <th scope="col">Signature</th>
              <th scope="col">Source</th>
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
                  <td>
                    <RowSignature cp={cp} auditKey={auditKey.data} />
                  </td>
                  <td>{listedNotes.has(cp.note) ? 'Server history' : 'This browser'}</td>
                </tr>
              ))}
          </tbody>
        </table>
      </div>
      {server.hasNextPage && (
        <div className="button-row">
          <button
            type="button"
            className="button button-secondary"
            disabled={server.isFetchingNextPage}
            onClick={() => {
              void server.fetchNextPage();
            }}
          >
            {server.isFetchingNextPage ? 'Loading…' : 'Load newer checkpoints'}
          </button>
        </div>
      )}
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
