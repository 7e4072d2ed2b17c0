import type { OperationEntry } from '../../../../shared/contract';
import { Badge } from '../../components/Badge';

/** The ledger said no (bad input, not enough points, no right): the call itself worked. */
const REFUSALS = new Set([
  'VALIDATION',
  'INSUFFICIENT_POINTS',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'CANCELLED',
]);

/** ✓ Succeeded, ! Refused (VALIDATION), ✗ Failed (INTERNAL): never the same look for ok and not ok. */
export function OutcomeBadge({ entry }: { entry: Pick<OperationEntry, 'outcome' | 'errorCode'> }) {
  if (entry.outcome === 'ok') return <Badge tone="ok">Succeeded</Badge>;
  const code = entry.errorCode ?? 'ERROR';
  const refused = REFUSALS.has(code);
  return (
    <Badge tone={refused ? 'warn' : 'bad'} title={code}>
      {refused ? 'Refused' : 'Failed'} {code}
    </Badge>
  );
}
