import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ReplicaStatus as Replica } from '../../../shared/contract';
import { formatBytes } from '../../../shared/format';
import { sessionMutations } from '../data/session.mutations';
import { sessionQueries } from '../data/session.queries';

function lagText(r: Replica): string {
  if (r.lagSeconds === null || r.lagBytes === null) return `unreachable${r.message ? ` (${r.message})` : ''}`;
  const paused = r.replayPaused ? ', replay paused' : '';
  return `lag ${r.lagSeconds.toFixed(1)} s / ${formatBytes(r.lagBytes)}${paused}`;
}

/**
 * The reporting replica beside the primary: its lag, whether reports are refused for it, and
 * the person's one choice — report from the primary instead (until they switch back).
 */
export function ReplicaStatus() {
  const client = useQueryClient();
  const servers = useQuery(sessionQueries.servers());
  const readFrom = useMutation(sessionMutations.readFrom(client));
  const r = servers.data?.replica;
  if (!r) return null;
  const onPrimary = r.readsFrom === 'primary';
  const trouble = !onPrimary && r.state !== 'ok';
  const title = trouble
    ? `Reports are refused while the replica is more than ${r.maxLagSeconds} s behind or unreachable.`
    : `Audits, reports and exports read here; every write goes to the primary ${servers.data?.primary ?? ''}.`;
  return (
    <span className="status-field" data-testid="status-replica" title={title}>
      <span className="status-label">Replica</span>{' '}
      <span className={trouble ? 'status-error' : undefined}>
        {r.server} ({lagText(r)}
        {onPrimary ? '; reports read on the primary' : trouble ? `; over the ${r.maxLagSeconds} s bound` : ''}
        )
      </span>{' '}
      <button
        type="button"
        className="button button-small"
        data-testid="status-replica-choice"
        disabled={readFrom.isPending}
        onClick={() => readFrom.mutate(onPrimary ? 'replica' : 'primary')}
      >
        {onPrimary ? 'Read from the replica' : 'Read from the primary'}
      </button>
    </span>
  );
}
