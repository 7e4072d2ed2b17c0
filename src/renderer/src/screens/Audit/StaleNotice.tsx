import { useQuery } from '@tanstack/react-query';
import type { ScanSummary } from '../../../../shared/contract';
import { formatDate } from '../../../../shared/format';
import { call } from '../../data/api';
import { useLastWriteAt } from '../../data/writes';
import { actionLabel } from '../../lib/labels';

/** Calls that change balances or their copies: after one, a scan's findings may be out of date. */
const WRITES = [
  'points.',
  'redemptions.',
  'recovery.apply',
  'backup.restore.apply',
  'demo.generate',
  'sync',
  'recover',
];
const isWrite = (action: string) => WRITES.some((w) => action.startsWith(w));

/**
 * A scan describes the database when it ran. After any write since (from this console, the CLI
 * or another login: the operations log knows them all) its findings may be stale; say so.
 */
export function StaleNotice({ scan }: { scan: ScanSummary }) {
  const since = scan.finishedAt ?? scan.startedAt;
  const localWrite = useLastWriteAt();
  const writes = useQuery({
    queryKey: ['operations', 'since', since, localWrite] as const,
    queryFn: () => call('operations.list', { from: since, outcome: 'ok', limit: 200 }),
    select: (page) => page.items.filter((e) => isWrite(e.action)),
    refetchInterval: 30_000,
  });
  const first = writes.data?.at(-1);
  if (!first) return null;
  return (
    <p className="notice notice-warn" role="status" data-testid="scan-stale">
      <span>
        <strong>
          <span aria-hidden="true">! </span>These results may be stale:
        </strong>{' '}
        {writes.data!.length === 1 ? 'one change was' : `${writes.data!.length} changes were`} made since the
        scan (first: {actionLabel(first.action)} by {first.actor}, {formatDate(first.at)}). Run the scan again
        to see the database as it is now.
      </span>
    </p>
  );
}
