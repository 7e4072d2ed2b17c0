import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { dropRolesOf } from '../migrations/privileges';
import { MIGRATIONS } from '../migrations/index';
import { createKnex } from '../src/main/db/knex';
import { migrateLatest, migratorConfig, rollbackLast } from '../src/main/db/migrate';
import { createTestDb, type TestDb } from './support/db';

/** Every schema change is in the operations log, by whoever ran it; no staff login can forge one. */
interface LogRow {
  actor: string;
  action: string;
  input: { migrations: string[] };
}

describe('schema changes in the operations log', () => {
  const admin = inject('pg');
  const name = `pk_schema_${randomBytes(4).toString('hex')}`;
  const root = createKnex({ ...admin, database: 'postgres' }, 1);
  let db: TestDb;

  beforeAll(async () => {
    await root.raw(`CREATE DATABASE ${name}`);
    db = await createTestDb();
  });
  afterAll(async () => {
    await db.close();
    await root.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await dropRolesOf(root, name);
    await root.destroy();
  });

  it('records who migrated which migrations, and who rolled which back', async () => {
    const k = createKnex({ ...admin, database: name }, 1);
    try {
      const applied = await migrateLatest(k);
      expect(applied).toEqual(MIGRATIONS.map(([n]) => n));
      // The newest migration again, in a batch of its own: the first batch cannot be rolled back.
      const newest = applied.at(-1)!;
      await k.migrate.down(migratorConfig);
      expect(await migrateLatest(k)).toEqual([newest]);
      expect(await rollbackLast(k)).toEqual([newest]);
      expect(await migrateLatest(k)).toEqual([newest]);
      const rows = (await k('operations_log')
        .whereIn('action', ['schema.migrate', 'schema.rollback'])
        .orderBy('id')
        .select('actor', 'action', 'input')) as LogRow[];
      expect(rows.map((r) => [r.action, r.input.migrations.length])).toEqual([
        ['schema.migrate', applied.length],
        ['schema.migrate', 1],
        ['schema.rollback', 1],
        ['schema.migrate', 1],
      ]);
      expect(rows.every((r) => r.actor === admin.user)).toBe(true);
      expect(rows[0]!.input.migrations).toEqual(applied);
      expect(rows[2]!.input.migrations).toEqual([newest]);
      // Nothing to apply: nothing to record.
      expect(await migrateLatest(k)).toEqual([]);
      const count = await k('operations_log')
        .whereIn('action', ['schema.migrate', 'schema.rollback'])
        .count({ n: '*' });
      expect(Number(count[0]!.n)).toBe(4);
    } finally {
      await k.destroy();
    }
  });

  it('refuses a staff login that tries to log a schema change itself', async () => {
    const staff = await db.loginAs('admin');
    await expect(
      staff.session.knex.raw(`SELECT pointkeeper_log_operation('schema.migrate', '{}', 'ok', NULL, NULL)`),
    ).rejects.toMatchObject({ code: 'PK403' });
    await expect(
      staff.session.knex.raw(`SELECT pointkeeper__log('schema.rollback', '{}', '{}')`),
    ).rejects.toThrow(/permission denied/);
  });
});
