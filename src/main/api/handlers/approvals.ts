import { approve, approveMany, cancel, deny } from '../../ledger/approvals/decide';
import { listPolicies, setPolicy } from '../../ledger/approvals/policies';
import { listRequests, showRequest, waitingCount, type Viewer } from '../../ledger/approvals/requests';
import type { CallContext, DomainHandlers } from '../types';

const viewer = ({ session }: CallContext): Viewer => ({
  login: session.whoami.login,
  role: session.whoami.role,
});

// Decisions and policy changes log themselves in the database (see the registry's list).
export const approvalsHandlers: DomainHandlers<'approvals'> = {
  'approvals.list': (ctx, input) => listRequests(ctx.db, viewer(ctx), input),
  'approvals.show': (ctx, input) => showRequest(ctx.db, viewer(ctx), input.id),
  'approvals.waitingCount': (ctx) => waitingCount(ctx.db, viewer(ctx)),
  'approvals.approve': ({ db }, input) => approve(db, input.id, input.reason),
  'approvals.approveMany': ({ db, signal }, input) => approveMany(db, input.ids, input.reason, signal),
  'approvals.deny': ({ db }, input) => deny(db, input.id, input.reason),
  'approvals.cancel': ({ db }, input) => cancel(db, input.id, input.reason),
};

export const policiesHandlers: DomainHandlers<'policies'> = {
  'policies.list': ({ db }) => listPolicies(db),
  'policies.set': ({ db }, input) => setPolicy(db, input),
};
