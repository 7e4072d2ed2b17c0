import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { UserDetail } from '../../../../../shared/contract';
import { formatLocalDateTime, formatPoints } from '../../../../../shared/format';
import { ErrorNotice } from '../../../components/ErrorNotice';
import { pointsMutations } from '../../../data/points.mutations';
import { pointsQueries } from '../../../data/points.queries';
import { useRoleGate } from '../../../lib/useRoleGate';
import { Badge } from '../../../components/Badge';

/** Rewards the user redeemed, with their state: active, used, expired or cancelled. */
export function RedemptionsList({ user }: { user: UserDetail }) {
  const client = useQueryClient();
  const list = useQuery(pointsQueries.redemptions(user.id));
  const markUsed = useMutation(pointsMutations.markUsed(client, user.id));
  const gate = useRoleGate('redemptions.markUsed');
  if (list.isError)
    return <ErrorNotice title="Could not load redemptions" error={list.error} onRetry={list.refetch} />;
  if (!list.data) return <p className="muted">Loading…</p>;
  if (list.data.length === 0) return <p className="muted">No rewards redeemed.</p>;
  return (
    <table className="simple-table" aria-label="Redemptions">
      <thead>
        <tr>
          <th>#</th>
          <th>Reward</th>
          <th className="num">Points</th>
          <th>Status</th>
          <th>Redeemed</th>
          <th>Expires</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {list.data.map((r) => (
          <tr key={r.id}>
            <td className="mono">{r.id}</td>
            <td>{r.rewardName}</td>
            <td className="num">{formatPoints(r.pointsSpent)}</td>
            <td>
              <Badge tone="info" plain className={`status-${r.status}`}>
                {r.status}
              </Badge>
            </td>
            <td className="muted">{formatLocalDateTime(r.createdAt)}</td>
            <td className="muted">{formatLocalDateTime(r.expiresAt)}</td>
            <td>
              {r.status === 'active' && (
                <button
                  type="button"
                  className="button button-small"
                  disabled={!gate.allowed || markUsed.isPending}
                  title={gate.reason ?? 'Mark this reward as used'}
                  onClick={() => markUsed.mutate({ redemptionId: r.id })}
                >
                  Mark used
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
