import { listPolicies, setPolicy } from '../../ledger/expiry/policies';
import { userLots } from '../../ledger/expiry/lots';
import { expiringByMonth, previewExpiry, rebuildLots, runExpiry } from '../../ledger/expiry/run';
import type { DomainHandlers } from '../types';

export const expiryHandlers: DomainHandlers<'expiry'> = {
  'expiry.policies': ({ db }) => listPolicies(db),
  'expiry.setPolicy': ({ db }, input) => setPolicy(db, input),
  'expiry.user': ({ db }, input) => userLots(db, input.userId),
  'expiry.preview': ({ db }, input) => previewExpiry(db, input),
  'expiry.run': ({ db, signal, progress }, input) => runExpiry(db, input, { signal, progress }),
  'expiry.byMonth': ({ db }, input) => expiringByMonth(db, input.months),
  'expiry.rebuild': ({ db }, input) => rebuildLots(db, input.userIds),
};
