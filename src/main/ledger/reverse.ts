import type { Knex } from 'knex';
import type { ParsedInput, ReverseResult } from '../../shared/contract';
import { callWrite } from './writeApi';

/**
 * Reverse: pointkeeper_reverse appends an adjustment that cancels the original and names it. A
 * row is reversed once; a credit already spent or a reward already used cannot be taken back.
 */
export function reverse(db: Knex, input: ParsedInput<'points.reverse'>): Promise<ReverseResult> {
  return callWrite<ReverseResult>(db, 'pointkeeper_reverse(?, ?)', [input.transactionId, input.reason]);
}
