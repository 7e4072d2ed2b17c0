import type { Knex } from 'knex';
import type { EarnResult, ParsedInput } from '../../shared/contract';
import { callWrite } from './writeApi';

type EarnInput = ParsedInput<'points.earn'>;

/**
 * Earn: one call of the database's pointkeeper_earn, which locks the user, replays or refuses a
 * repeated idempotency key, appends the keyed log row, moves the copies and records the
 * operation — one round trip, and the same rules for anyone who calls it from psql.
 */
export function earn(db: Knex, input: EarnInput): Promise<EarnResult> {
  return callWrite<EarnResult>(db, 'pointkeeper_earn(?, ?, ?, ?, ?, ?, ?)', [
    input.userId,
    input.points,
    input.description,
    input.type,
    input.orderId ?? null,
    input.orderAmount ?? null,
    input.idempotencyKey ?? null,
  ]);
}
