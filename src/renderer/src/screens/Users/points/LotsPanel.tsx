import { useQuery } from '@tanstack/react-query';
import type { Lot, UserDetail } from '../../../../../shared/contract';
import { formatLocalDateTime, formatPoints, formatSignedPoints } from '../../../../../shared/format';
import { ErrorNotice } from '../../../components/ErrorNotice';
import { expiryQueries } from '../../../data/expiry.queries';
import { Badge } from '../../../components/Badge';

const STATUS_WORDS: Record<Lot['status'], string> = {
  open: 'Open',
  spent: 'Spent',
  expired: 'Expired',
};

function Soon({ label, points, testId }: { label: string; points: number; testId: string }) {
  return (
    <div className="stat">
      <dt>{label}</dt>
      <dd data-testid={testId}>{formatPoints(points)}</dd>
    </div>
  );
}

/**
 * What expires soon and every lot behind the balance: each credit's points, what is left of them,
 * when they expire, and which transactions took from them (or gave back, for a reversal).
 */
export function LotsPanel({ user }: { user: UserDetail }) {
  const lots = useQuery(expiryQueries.user(user.id));
  if (lots.isError)
    return <ErrorNotice title="Could not load the lots" error={lots.error} onRetry={lots.refetch} />;
  if (!lots.data) return <p className="muted">Loading…</p>;
  const { expiring, discrepancies } = lots.data;
  return (
    <div className="lots-panel">
      <dl className="stats" aria-label="Expiring soon">
        <Soon label="Expiring within 30 days" points={expiring.days30} testId="expiring-30" />
        <Soon label="Within 60 days" points={expiring.days60} testId="expiring-60" />
        <Soon label="Within 90 days" points={expiring.days90} testId="expiring-90" />
        <Soon label="Past their date (next expiry run)" points={expiring.overdue} testId="expiring-overdue" />
      </dl>
      {discrepancies.length > 0 && (
        <ul className="notice notice-warning" aria-label="Lot discrepancies">
          {discrepancies.map((d, i) => (
            <li key={i} title={d.kind}>
              ⚠ {d.detail}
            </li>
          ))}
        </ul>
      )}
      {lots.data.lots.length === 0 ? (
        <p className="muted">No lots: this user has no credits.</p>
      ) : (
        <table className="simple-table" aria-label="Lots">
          <thead>
            <tr>
              <th>Lot</th>
              <th>Type</th>
              <th>Status</th>
              <th className="num">Points</th>
              <th className="num">Left</th>
              <th>Expires</th>
              <th>Used by</th>
            </tr>
          </thead>
          <tbody>
            {lots.data.lots.map((l) => (
              <tr key={l.id} data-testid={`lot-${l.id}`}>
                <td className="mono">#{l.id}</td>
                <td>{l.source === 'returned' ? `${l.type} (returned)` : l.type}</td>
                <td>
                  <Badge tone="info" plain className={`lot-${l.status}`}>
                    {STATUS_WORDS[l.status]}
                  </Badge>
                </td>
                <td className="num">{formatPoints(l.points)}</td>
                <td className="num">{formatPoints(l.remaining)}</td>
                <td className="muted">{l.expiresAt ? formatLocalDateTime(l.expiresAt) : 'Never'}</td>
                <td className="mono">
                  {l.uses.map((u) => `#${u.transactionId} ${formatSignedPoints(-u.points)}`).join(', ') ||
                    '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
