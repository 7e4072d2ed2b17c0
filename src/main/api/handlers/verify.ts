import { verifyLedger } from '../../ledger/verify';
import type { DomainHandlers } from '../types';

export const verifyHandlers: DomainHandlers<'verify'> = {
  'verify.ledger': ({ db }) => verifyLedger(db),
};
