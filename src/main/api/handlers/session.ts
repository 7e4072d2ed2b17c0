import { listDatabaseRoles } from '../../db/roles';
import { replicaStatus } from '../routing';
import type { CallContext, DomainHandlers } from '../types';

const servers = async ({ session }: CallContext) => ({
  primary: session.whoami.server,
  replica: await replicaStatus(session),
});

export const sessionHandlers: DomainHandlers<'session'> = {
  'session.whoami': ({ session }) => Promise.resolve(session.whoami),
  'session.roles': ({ db }) => listDatabaseRoles(db),
  'session.servers': (ctx) => servers(ctx),
  // The choice lasts as long as the connection: a new one reads from its replica again.
  'session.readFrom': (ctx, input) => {
    if (ctx.session.replica) ctx.session.replica.readsFrom = input.source;
    return servers(ctx);
  },
};
