import { applyRecovery } from '../../ledger/recovery/apply';
import { planRecovery } from '../../ledger/recovery/plan';
import { resolveUser } from '../../ledger/recovery/resolve';
import { getRun } from '../../ledger/recovery/runs';
import type { DomainHandlers } from '../types';

export const recoveryHandlers: DomainHandlers<'recovery'> = {
  'recovery.plan': ({ db, progress, signal }, input) => planRecovery(db, input, { progress, signal }),
  'recovery.apply': ({ db, progress, signal }, input) => applyRecovery(db, input, { progress, signal }),
  'recovery.resolve': ({ db }, input) => resolveUser(db, input),
  'recovery.run': ({ db }, input) => getRun(db, input.runId),
};
