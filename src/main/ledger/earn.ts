import type { Knex } from 'knex';
import type { EarnResult, ParsedInput } from '../../shared/contract';
import { orRequestApproval, reasonFrom } from './approvals/pending';
import { callWrite } from './writeApi';

type EarnInput = ParsedInput<'points.earn'>;

/**
 * Earn: one call of the database's pointkeeper_earn, which locks the user, replays or refuses a
 * repeated idempotency key, appends the keyed log row, moves the copies and records the
 * operation — one round trip, and the same rules for anyone who calls it from psql. When an
 * approval policy covers it, the database refuses and the same content becomes a request.
 */
export function earn(db: Knex, input: EarnInput): Promise<EarnResult> {
  const write = () =>
    callWrite<EarnResult>(db, 'pointkeeper_earn(?, ?, ?, ?, ?, ?, ?)', [
      input.userId,
      input.points,
      input.description,
      input.type,
      input.orderId ?? null,
      input.orderAmount ?? null,
      input.idempotencyKey ?? null,
    ]);
  return orRequestApproval(
    db,
    'earn',
    input,
    reasonFrom('Earn', input.points, input.userId, input.description),
    write,
  );
}
