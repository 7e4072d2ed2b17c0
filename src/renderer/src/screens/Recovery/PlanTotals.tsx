import type { RecoveryPlan } from '../../../../shared/contract';
import { formatCount, formatSignedPoints } from '../../../../shared/format';
import { Stat, Stats } from '../../components/Stat';

/** "3 (+120)", or "none" rather than "0 (-0)". */
const usersAndPoints = (users: number, points: number) =>
  users === 0 ? 'none' : `${formatCount(users)} (${formatSignedPoints(points)})`;

export function PlanTotals({ plan }: { plan: RecoveryPlan }) {
  const t = plan.totals;
  return (
    <Stats className="plan-totals">
      <Stat label="Users checked" testId="plan-in-scope">
        {formatCount(t.usersInScope)}
      </Stat>
      <Stat label="Users changed" testId="plan-changed">
        {formatCount(t.usersChanged)}
      </Stat>
      <Stat label="Rows created" testId="plan-rows-created">
        {formatCount(t.rowsCreated)}
      </Stat>
      <Stat label="Balances raised" testId="plan-raised">
        {usersAndPoints(t.balancesRaised.users, t.balancesRaised.points)}
      </Stat>
      <Stat label="Balances lowered" testId="plan-lowered">
        {usersAndPoints(t.balancesLowered.users, -t.balancesLowered.points)}
      </Stat>
      <Stat label="Adjustments" testId="plan-adjustments">
        {usersAndPoints(t.adjustments.count, t.adjustments.points)}
      </Stat>
      <Stat label="Legacy copies lowered" testId="plan-legacy-lowered">
        {usersAndPoints(t.legacyLowered.users, -t.legacyLowered.points)}
      </Stat>
      {t.usersInvestigate > 0 && (
        <Stat label="Investigate (nothing applied)" testId="plan-investigate">
          {t.usersInvestigate.toLocaleString()}
        </Stat>
      )}
      {t.usersBlocked > 0 && (
        <Stat label="Blocked" testId="plan-blocked">
          {formatCount(t.usersBlocked)}
        </Stat>
      )}
    </Stats>
  );
}
