import { listOperations } from '../../ledger/operations';
import type { DomainHandlers } from '../types';

export const operationsHandlers: DomainHandlers<'operations'> = {
  'operations.list': ({ db }, input) => listOperations(db, input),
};
