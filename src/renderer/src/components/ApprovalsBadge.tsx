import { useQuery } from '@tanstack/react-query';
import { approvalsQueries } from '../data/approvals.queries';
import { sessionQueries } from '../data/session.queries';
import { Badge } from './Badge';

/** How many requests wait for this login's decision: in the sidebar and the status bar. */
export function ApprovalsBadge({ testId }: { testId: string }) {
  const me = useQuery(sessionQueries.whoami());
  const count = useQuery({ ...approvalsQueries.waitingCount(), enabled: Boolean(me.data?.role) });
  const n = count.data?.count ?? 0;
  if (n === 0) return null;
  return (
    <Badge
      tone="info"
      plain
      className="approvals-count"
      testId={testId}
      title={`${n} waiting for your approval`}
    >
      {n}
      <span className="visually-hidden"> waiting for your approval</span>
    </Badge>
  );
}
