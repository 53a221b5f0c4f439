import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ProblemAlert } from '../../api/ProblemAlert';
import { latestCheckpoint, signCheckpoint } from '../../api/staff';
import { parseCheckpointNote } from '../../audit/merkle';
import { PageHeader } from '../../components/PageHeader';
import { toHex } from '../../crypto/bytes';
import { DateTime, QueryView, RoleGate } from '../../ledger/ui';

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
        <Checkpoint />
      </RoleGate>
    </>
  );
}

function Checkpoint() {
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: ['audit', 'checkpoint'],
    queryFn: ({ signal }) => latestCheckpoint(signal),
  });
  const sign = useMutation({
    mutationFn: signCheckpoint,
    onSuccess: (cp) => {
      queryClient.setQueryData(['audit', 'checkpoint'], cp);
    },
  });
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
