import { useQuery } from '@tanstack/react-query';
import type { UserAudit } from '../../../../shared/contract';
import { formatPoints } from '../../../../shared/format';
import { hrefOf } from '../../app/router';
import { auditQueries } from '../../data/audit.queries';

/** What disagrees with the log, in words; empty when every copy agrees. */
export function integrityProblems(audit: UserAudit): string[] {
  const log = audit.summary.current_points;
  const problems: string[] = [];
  const stored = audit.userPointsRecord?.points ?? null;
  if (stored === null && audit.summary.total_transactions > 0) {
    problems.push(`There is no stored balance (user_points) although the log holds ${formatPoints(log)}.`);
  } else if (stored !== null && stored !== log) {
    problems.push(`The stored balance ${formatPoints(stored)} differs from the log's ${formatPoints(log)}.`);
  }
  if (audit.legacyRewards.rewards !== log) {
    problems.push(
      `The legacy copy (users.rewards) ${formatPoints(audit.legacyRewards.rewards)} differs from the log's ${formatPoints(log)}.`,
    );
  }
  if (!audit.dataIntegrity.chain.verified) {
    problems.push(audit.dataIntegrity.chain.firstBreak?.message ?? 'The hash chain of this user is broken.');
  }
  return problems;
}

/**
 * A user whose stored balance or legacy copy disagrees with the log says so on their own page,
 * before anyone earns or redeems against a wrong figure.
 */
export function IntegrityWarning({ userId }: { userId: number }) {
  const audit = useQuery({ ...auditQueries.user(userId), select: integrityProblems });
  const problems = audit.data ?? [];
  if (problems.length === 0) return null;
  return (
    <div className="notice notice-warn integrity-warning" role="alert" data-testid="integrity-warning">
      <div>
        <strong>
          <span aria-hidden="true">! </span>This user's stored figures disagree with the transaction log.
        </strong>
        <ul>
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
        <span className="muted">
          The log is the source of truth; the balance shown above is the stored copy.
        </span>
      </div>
      <div className="notice-actions">
        <a className="button button-small" href={hrefOf(['audit'], { user: String(userId) })}>
          Audit
        </a>
        <a className="button button-small" href={hrefOf(['recovery'], { users: String(userId) })}>
          Recovery…
        </a>
      </div>
    </div>
  );
}
