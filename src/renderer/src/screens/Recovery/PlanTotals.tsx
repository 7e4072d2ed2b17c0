import type { RecoveryPlan } from '../../../../shared/contract';
import { formatCount, formatSignedPoints } from '../../../../shared/format';

/** "3 (+120)", or "none" rather than "0 (-0)". */
const usersAndPoints = (users: number, points: number) =>
  users === 0 ? 'none' : `${formatCount(users)} (${formatSignedPoints(points)})`;

function Stat({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div className="stat">
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
    </div>
  );
}

export function PlanTotals({ plan }: { plan: RecoveryPlan }) {
  const t = plan.totals;
  return (
    <dl className="stats plan-totals">
      <Stat label="Users checked" value={formatCount(t.usersInScope)} testId="plan-in-scope" />
      <Stat label="Users changed" value={formatCount(t.usersChanged)} testId="plan-changed" />
      <Stat label="Rows created" value={formatCount(t.rowsCreated)} testId="plan-rows-created" />
      <Stat
        label="Balances raised"
        value={usersAndPoints(t.balancesRaised.users, t.balancesRaised.points)}
        testId="plan-raised"
      />
      <Stat
        label="Balances lowered"
        value={usersAndPoints(t.balancesLowered.users, -t.balancesLowered.points)}
        testId="plan-lowered"
      />
      <Stat
        label="Adjustments"
        value={usersAndPoints(t.adjustments.count, t.adjustments.points)}
        testId="plan-adjustments"
      />
      <Stat
        label="Legacy copies lowered"
        value={usersAndPoints(t.legacyLowered.users, -t.legacyLowered.points)}
        testId="plan-legacy-lowered"
      />
      {t.usersInvestigate > 0 && (
        <Stat
          label="Investigate (nothing applied)"
          value={t.usersInvestigate.toLocaleString()}
          testId="plan-investigate"
        />
      )}
      {t.usersBlocked > 0 && (
        <Stat label="Blocked" value={formatCount(t.usersBlocked)} testId="plan-blocked" />
      )}
    </dl>
  );
}
