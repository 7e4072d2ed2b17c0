import type { Knex } from 'knex';
import { earn } from '../../ledger/earn';
import { history } from '../../ledger/history';
import { listRedemptions, listRewards, markUsed } from '../../ledger/redemptions';
import { redeem } from '../../ledger/redeem';
import { reverse } from '../../ledger/reverse';
import type { DomainHandlers } from '../types';

// `write` calls run inside the transaction the registry opened: ctx.db is that transaction.
const trx = (db: Knex) => db as Knex.Transaction;

export const pointsHandlers: DomainHandlers<'points'> = {
  // Each is one call of a database function that logs the operation itself (see the registry).
  'points.earn': ({ db }, input) => earn(db, input),
  'points.redeem': ({ db }, input) => redeem(db, input),
  'points.reverse': ({ db }, input) => reverse(db, input),
  'points.history': ({ db }, input) => history(db, input),
};

export const redemptionsHandlers: DomainHandlers<'redemptions'> = {
  'redemptions.list': ({ db }, input) => listRedemptions(db, input.userId),
  'redemptions.markUsed': ({ db }, input) => markUsed(trx(db), input.redemptionId),
};

export const rewardsHandlers: DomainHandlers<'rewards'> = {
  'rewards.list': ({ db }, input) => listRewards(db, input.includeInactive),
};
