import type { Knex } from 'knex';
import type { TransactionType } from '../../shared/contract';

export interface NewTransaction {
  user_id: number;
  type: TransactionType;
  /** Signed: credits positive, debits negative. */
  points: number;
  description: string;
  order_id?: number | null;
  order_amount?: number | null;
  idempotency_key?: string | null;
  reverses_id?: number | null;
}

export interface StoredTransaction extends Required<NewTransaction> {
  id: number;
  created_at: Date;
  created_by: string;
}

/**
 * The only way a row enters points_transactions. Callers must already hold the user's
 * user_points row lock (SELECT … FOR UPDATE), so rows of one user are appended one at a time.
 */
export async function appendTransaction(
  trx: Knex.Transaction,
  row: NewTransaction,
): Promise<StoredTransaction> {
  const [stored] = (await trx('points_transactions').insert(row).returning('*')) as StoredTransaction[];
  return stored!;
}
