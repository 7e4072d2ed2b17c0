import type { ColumnChange, RecoveryPlan, UserRecoveryPlan } from '../../../../shared/contract';
import { formatCount, formatLocalDateTime, formatSignedPoints } from '../../../../shared/format';
import { columnLabel } from '../../lib/labels';
import { hrefOf } from '../../app/router';
import { ResolveForm } from './ResolveForm';
import { Badge } from '../../components/Badge';

const DECISION_LABELS: Record<UserRecoveryPlan['decision'], string> = {
  rebuild_row: 'rebuild row',
  adjust_log_up: 'adjustment',
  raise_to_log: 'raise to log',
  lower_to_log: 'lower to log',
  copies_only: 'copies only',
  blocked_negative: 'blocked',
  investigate: 'investigate',
};

function value(column: ColumnChange['column'], v: ColumnChange['before']): string {
  if (v === null) return '—';
  if (typeof v === 'number') return formatCount(v);
  return column.endsWith('last_earned_at') && /^\d{4}-/.test(v) ? formatLocalDateTime(v) : v;
}

function UserRows({ user }: { user: UserRecoveryPlan }) {
  const lines = user.changes.length + user.transactions.length || 1;
  const lowered = user.decision === 'lower_to_log';
  return (
    <>
      {Array.from({ length: lines }, (_, i) => {
        const change = user.changes[i];
        const tx = change ? undefined : user.transactions[i - user.changes.length];
        return (
          <tr key={i} data-testid={i === 0 ? `plan-user-${user.userId}` : undefined}>
            {i === 0 && (
              <>
                <td rowSpan={lines} className="num">
                  <a href={hrefOf(['users', user.userId])}>{user.userId}</a>
                </td>
                <td rowSpan={lines}>
                  <Badge tone="neutral" plain className={`decision-${user.decision}`} title={user.reason}>
                    {DECISION_LABELS[user.decision]}
                  </Badge>
                </td>
              </>
            )}
            {change && (
              <>
                <td title={change.column} data-column={change.column}>
                  {columnLabel(change.column)}
                </td>
                <td className="num">{value(change.column, change.before)}</td>
                <td className={`num ${lowered && change.column === 'user_points.points' ? 'debit' : ''}`}>
                  {value(change.column, change.after)}
                </td>
              </>
            )}
            {tx && (
              <>
                <td>new adjustment</td>
                <td className="num">—</td>
                <td className="num credit" title={tx.description}>
                  {formatSignedPoints(tx.points)}
                </td>
              </>
            )}
            {!change && !tx && user.decision === 'investigate' && (
              <td colSpan={3}>
                <ul className="plan-evidence" aria-label={`Evidence for user ${user.userId}`}>
                  {user.evidence.map((e, k) => (
                    <li key={k}>{e.detail}</li>
                  ))}
                </ul>
                <ResolveForm user={user} />
              </td>
            )}
            {!change && !tx && user.decision !== 'investigate' && (
              <td colSpan={3} className="muted">
                unchanged
              </td>
            )}
            {i === 0 && (
              <td rowSpan={lines} className="plan-reason">
                {user.reason}
              </td>
            )}
          </tr>
        );
      })}
    </>
  );
}

/** The preview as a diff: for each user, each column that changes, before → after, and why. */
export function PlanTable({ plan }: { plan: RecoveryPlan }) {
  return (
    <div className="plan-table-wrap">
      <table className="simple-table plan-table sticky-head" aria-label="Planned changes">
        <thead>
          <tr>
            <th className="num">User</th>
            <th>Decision</th>
            <th>Figure</th>
            <th className="num">Before</th>
            <th className="num">After</th>
            <th>Why</th>
          </tr>
        </thead>
        <tbody>
          {plan.users.map((u) => (
            <UserRows key={u.userId} user={u} />
          ))}
        </tbody>
      </table>
      {plan.truncated && (
        <p className="muted">
          Only the first {formatCount(plan.users.length)} users are listed; the totals count every user.
        </p>
      )}
    </div>
  );
}
