import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { inject } from 'vitest';
import { handlers } from '../../src/main/api/handlers/index';
import { createDispatcher, type Dispatcher } from '../../src/main/api/registry';
import { createKnex, type PgConnection } from '../../src/main/db/knex';
import { openSession, type Session } from '../../src/main/db/session';
import type { CallInput, CallName, CallOutput } from '../../src/shared/contract';
import type { Result } from '../../src/shared/result';
import type { Role } from '../../src/shared/roles';
import { groupRoles } from '../../src/shared/roles';
import { applyPrivileges, dropRolesOf } from '../../migrations/privileges';
import { TEMPLATE_DATABASE } from './names';

export interface TestDb {
  /** Superuser connection to this file's own database. */
  knex: Knex;
  connection: PgConnection;
  session: Session;
  dispatch: Dispatcher;
  /** Calls through the registry and returns the typed Result. */
  call<K extends CallName>(name: K, input: CallInput<K>): Promise<Result<CallOutput<K>>>;
  /** A session as a fresh login in the given Pointkeeper role. */
  loginAs(role: Role): Promise<{ session: Session; call: TestDb['call']; login: string }>;
  close(): Promise<void>;
}

async function cloneTemplate(admin: PgConnection, name: string): Promise<void> {
  const root = createKnex({ ...admin, database: 'postgres' }, 1);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await root.raw(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`);
        return;
      } catch (error) {
        // Two files cloning at the same moment: the template is briefly "being accessed".
        if (attempt > 20 || !/being accessed by other users/.test(String(error))) throw error;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  } finally {
    await root.destroy();
  }
}

function caller(dispatch: Dispatcher): TestDb['call'] {
  return (name, input) => dispatch(name, input) as never;
}

/** A migrated database of this test file's own, dropped by close(). */
export async function createTestDb(): Promise<TestDb> {
  const admin = inject('pg');
  const database = `pk_t_${randomBytes(5).toString('hex')}`;
  await cloneTemplate(admin, database);
  const connection = { ...admin, database };
  // A copy carries its template's grants: it gets roles of its own, as `db migrate` gives.
  const adopt = createKnex(connection, 1);
  await applyPrivileges(adopt).finally(() => adopt.destroy());
  const session = await openSession({ kind: 'server', connection });
  const dispatch = createDispatcher(handlers, () => session);
  const logins: string[] = [];
  const others: Session[] = [];
  return {
    knex: session.knex,
    connection,
    session,
    dispatch,
    call: caller(dispatch),
    async loginAs(role) {
      const login = `${database}_${role}_${logins.length}`;
      const password = randomBytes(12).toString('hex');
      await session.knex.raw(
        `CREATE ROLE ${login} LOGIN PASSWORD '${password}' IN ROLE ${groupRoles(database)[role]}`,
      );
      logins.push(login);
      const s = await openSession({ kind: 'server', connection: { ...connection, user: login, password } });
      others.push(s);
      return { session: s, login, call: caller(createDispatcher(handlers, () => s)) };
    },
    async close() {
      for (const s of others) await s.close();
      await session.close();
      const root = createKnex({ ...admin, database: 'postgres' }, 1);
      await root.raw(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      for (const login of logins) await root.raw(`DROP ROLE IF EXISTS ${login}`);
      await dropRolesOf(root, database);
      await root.destroy();
    },
  };
}
