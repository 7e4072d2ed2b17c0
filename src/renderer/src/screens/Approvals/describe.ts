import type { ApprovalRequest, ApprovalState } from '../../../../shared/contract';
import { formatCount, formatPoints, formatSignedPoints } from '../../../../shared/format';
import type { Tone } from '../../components/Badge';

export const STATE_LABEL: Record<ApprovalState, string> = {
  pending: 'Pending',
  approved: 'Approved, not yet applied',
  applied: 'Approved & applied',
  denied: 'Denied',
  expired: 'Expired',
  stale: 'Stale (ledger moved)',
  cancelled: 'Cancelled',
};

export const STATE_TONE: Record<ApprovalState, Tone> = {
  pending: 'info',
  approved: 'info',
  applied: 'ok',
  denied: 'bad',
  expired: 'warn',
  stale: 'warn',
  cancelled: 'neutral',
};

const text = (v: unknown) => (typeof v === 'string' ? v : '');
const num = (v: unknown) => (typeof v === 'number' ? v : 0);

/** One line a person reads for what a request will do. */
export function describeRequest(r: ApprovalRequest): string {
  const p = r.payload;
  if (r.kind === 'earn')
    return `${formatSignedPoints(num(p.points))} to user #${num(p.userId)} — “${text(p.description)}”`;
  if (r.kind === 'redeem')
    return `${formatSignedPoints(-num(p.points))} from user #${num(p.userId)} — “${text(p.description)}”`;
  const what = text(p.fileName) || text(p.ref);
  return `${r.kind}: ${formatPoints(r.points)} across ${formatCount(r.users)} user(s) (${what})`;
}
