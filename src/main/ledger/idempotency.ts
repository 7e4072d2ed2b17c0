import type { Knex } from 'knex';
import { AppError } from '../errors';
import type { StoredTransaction } from './append';

/**
 * Looks for an earlier write with this key. Called after the user's lock is held, so a racing
 * call with the same key has either committed (and is found here) or not started its write.
 * `same` decides whether the earlier write asked for exactly the same thing.
 */
export async function findReplay(
  trx: Knex.Transaction,
  key: string | undefined,
  same: (earlier: StoredTransaction) => boolean | Promise<boolean>,
): Promise<StoredTransaction | null> {
  if (key === undefined) return null;
  const earlier = (await trx('points_transactions').where({ idempotency_key: key }).first()) as
    StoredTransaction | undefined;
  if (!earlier) return null;
  if (!(await same(earlier))) {
    throw new AppError(
      'CONFLICT',
      `The idempotency key ${key} was already used for a different request (transaction ${earlier.id}).`,
    );
  }
  return earlier;
}
