import type { Knex } from 'knex';
import type { ExpiryPolicy, LotType, ParsedInput, PolicySetResult } from '../../../shared/contract';
import { isoOrNull } from '../dates';
import { callWrite } from '../writeApi';

interface PolicyRow {
  credit_type: LotType;
  months: number | null;
  days: number | null;
  effective_from: Date | null;
  set_by: string;
}

/** The policy in force now per type (the newest row of each; '-infinity' is the initial "never"). */
export async function listPolicies(db: Knex): Promise<ExpiryPolicy[]> {
  const rows = (
    (await db.raw(
      `SELECT DISTINCT ON (credit_type) credit_type,
              (extract(year FROM expires_after) * 12 + extract(month FROM expires_after))::int AS months,
              extract(day FROM expires_after)::int AS days,
              CASE WHEN effective_from = '-infinity' THEN NULL ELSE effective_from END AS effective_from, set_by
       FROM points_expiry_policies p ORDER BY p.credit_type, p.effective_from DESC`,
    )) as { rows: PolicyRow[] }
  ).rows;
  const order = ['earned', 'bonus', 'signup', 'first_order', 'adjustment'];
  return rows
    .map((r) => ({
      type: r.credit_type,
      months: r.months || null,
      days: r.days || null,
      effectiveFrom: isoOrNull(r.effective_from),
      setBy: r.set_by,
    }))
    .sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type));
}

/** Effective for credits made from now on: earlier credits keep the date they were given. */
export async function setPolicy(db: Knex, input: ParsedInput<'expiry.setPolicy'>): Promise<PolicySetResult> {
  return callWrite<PolicySetResult>(db, 'pointkeeper_expiry_policy_set(?, ?, ?)', [
    input.type,
    input.months ?? null,
    input.days ?? null,
  ]);
}
