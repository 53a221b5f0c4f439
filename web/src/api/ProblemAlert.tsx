import { CircleAlert } from 'lucide-react';
import { isProblemError } from './client';

/**
 * Shows an error clearly: what went wrong, the details the server gave, and the status, code
 * and request id that support staff need to find it in the logs.
 */
export function ProblemAlert({
  error,
  context,
  onRetry,
  compact = false,
}: {
  error: unknown;
  /** What was being done, e.g. "Loading the API description". */
  context?: string;
  onRetry?: () => void;
  compact?: boolean;
}) {
  const problem = isProblemError(error) ? error.problem : null;
  const title = problem?.title ?? 'Something went wrong';
  const detail = problem ? problem.detail : error instanceof Error ? error.message : undefined;
  const hasMeta =
    problem !== null &&
    (problem.status > 0 || problem.code !== undefined || problem.request_id !== undefined);
  return (
    <div role="alert" className={compact ? 'problem problem-compact' : 'problem'}>
      <CircleAlert aria-hidden="true" className="problem-icon" />
      <div className="problem-body">
        {context && <p className="problem-context">{context}</p>}
        <p className="problem-title">{title}</p>
        {detail && <p className="problem-detail">{detail}</p>}
        {problem && hasMeta && (
          <dl className="problem-meta">
            {problem.status > 0 && (
              <div>
                <dt>Status</dt>
                <dd>{problem.status}</dd>
              </div>
            )}
            {problem.code && (
              <div>
                <dt>Code</dt>
                <dd>
                  <code>{problem.code}</code>
                </dd>
              </div>
            )}
            {problem.request_id && (
              <div>
                <dt>Request ID</dt>
                <dd>
                  <code className="selectable">{problem.request_id}</code>
                </dd>
              </div>
            )}
          </dl>
        )}
        {onRetry && (
          <button type="button" className="button button-secondary button-small" onClick={onRetry}>
            Try again
          </button>
        )}
      </div>
    </div>
  );
}
