import { CircleAlert, Info } from 'lucide-react';
import { ProblemAlert } from '../api/ProblemAlert';
import { isProblemError } from '../api/client';
import { authMessage, type AuthMessage } from './messages';

/** Shows an identity failure as a clear message (or a generic problem for anything else). */
export function AuthNotice({ error, context }: { error: unknown; context?: string }) {
  const message = authMessage(error);
  if (!message) {
    return context === undefined ? (
      <ProblemAlert error={error} compact />
    ) : (
      <ProblemAlert error={error} context={context} compact />
    );
  }
  const detail = isProblemError(error) ? error.problem.detail : undefined;
  return <MessageNotice message={message} detail={detail} role="alert" />;
}

/** A message box for an {@link AuthMessage}. */
export function MessageNotice({
  message,
  detail,
  role = 'status',
}: {
  message: AuthMessage;
  detail?: string | undefined;
  role?: 'alert' | 'status';
}) {
  const Icon = message.tone === 'info' ? Info : CircleAlert;
  return (
    <div
      role={role}
      className={`notice ${message.tone === 'info' ? 'notice-info' : 'notice-warn'} form-result`}
    >
      <Icon aria-hidden="true" className="notice-icon" />
      <div>
        <p className="notice-title">{message.title}</p>
        {detail && detail !== message.title && <p className="notice-detail">{detail}</p>}
        <p>{message.action}</p>
      </div>
    </div>
  );
}
