import { ApiError, isRetryable, messageOf } from '../data/ApiError';

interface Props {
  error: unknown;
  /** What was being attempted, e.g. "Search failed". */
  title: string;
  onRetry?: () => void;
}

/** An inline failure: the contract's message for a person, its code for support, no stack. */
export function ErrorNotice({ error, title, onRetry }: Props) {
  return (
    <div className="notice notice-error" role="alert">
      <div>
        <strong>{title}.</strong> {messageOf(error)}
        {error instanceof ApiError && <span className="notice-code">{error.code}</span>}
      </div>
      {onRetry && isRetryable(error) && (
        <button type="button" className="button button-small" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
