import type { UserDetail } from '../../../../shared/contract';
import { formatCount, formatLocalDateTime, formatPoints } from '../../../../shared/format';

const pointsOrNone = (points: number | null) => (points === null ? '—' : formatPoints(points));

function Stat({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div className="stat">
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
    </div>
  );
}

/** The user's balance and the copies kept beside it, as the database holds them now. */
export function BalanceCard({ user }: { user: UserDetail }) {
  return (
    <section className="card balance-card" aria-labelledby="balance-title">
      <div className="balance-main">
        <h2 id="balance-title" className="card-title">
          Balance
        </h2>
        <p className="balance-value" data-testid="user-balance">
          {pointsOrNone(user.points)}
        </p>
        {user.points === null && <p className="muted">No balance record (user_points) yet.</p>}
      </div>
      <dl className="stats">
        <Stat label="Lifetime earned" value={pointsOrNone(user.totalEarned)} testId="user-total-earned" />
        <Stat
          label="Lifetime redeemed"
          value={pointsOrNone(user.totalRedeemed)}
          testId="user-total-redeemed"
        />
        <Stat label="Last earned" value={formatLocalDateTime(user.lastEarnedAt)} testId="user-last-earned" />
        <Stat label="Transactions" value={formatCount(user.transactionCount)} testId="user-tx-count" />
        <Stat
          label="Legacy rewards copy"
          value={formatPoints(user.legacyRewards)}
          testId="user-legacy-rewards"
        />
      </dl>
    </section>
  );
}
