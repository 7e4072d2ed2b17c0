import type { UserDetail } from '../../../../shared/contract';
import { formatCount, formatLocalDateTime, formatPoints } from '../../../../shared/format';
import { Stat, Stats } from '../../components/Stat';

const pointsOrNone = (points: number | null) => (points === null ? '—' : formatPoints(points));

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
      <Stats>
        <Stat label="Lifetime earned" testId="user-total-earned">
          {pointsOrNone(user.totalEarned)}
        </Stat>
        <Stat label="Lifetime redeemed" testId="user-total-redeemed">
          {pointsOrNone(user.totalRedeemed)}
        </Stat>
        <Stat label="Last earned" testId="user-last-earned">
          {formatLocalDateTime(user.lastEarnedAt)}
        </Stat>
        <Stat label="Transactions" testId="user-tx-count">
          {formatCount(user.transactionCount)}
        </Stat>
        <Stat label="Legacy rewards copy" testId="user-legacy-rewards">
          {formatPoints(user.legacyRewards)}
        </Stat>
      </Stats>
    </section>
  );
}
