import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handlers } from '../../src/main/api/handlers/index';
import { createDispatcher } from '../../src/main/api/registry';
import { startEmbedded, startServer, stopServer, type EmbeddedServer } from '../../src/main/db/embedded';
import { openSession, type Session } from '../../src/main/db/session';
import { createTestDb, type TestDb } from '../support/db';

let db: TestDb;

beforeAll(async () => {
  db = await createTestDb();
  await db.knex('users').insert({ id: 1, email: 'fault@example.test', name: 'Fault Tolerance' });
  const seeded = await db.call('points.earn', { userId: 1, points: 500, description: 'seed' });
  expect(seeded.ok).toBe(true);
});
afterAll(() => db.close());

async function copiesOf(userId: number) {
  const log = await db.knex('points_transactions').where({ user_id: userId }).sum({ s: 'points' }).first();
  const up = await db.knex('user_points').where({ user_id: userId }).first('points');
  const u = await db.knex('users').where({ id: userId }).first('rewards');
  return { log: Number(log?.s ?? 0), stored: up?.points as number, legacy: u?.rewards as number };
}

describe('the server ends a session in the middle of a transaction', () => {
  it('the call fails with DB_UNAVAILABLE, nothing is half-written, and the next call reconnects', async () => {
    const blocker = await db.knex.transaction();
    // Hold the user's lock so the earn below waits inside its transaction.
    await blocker('user_points').where({ user_id: 1 }).forUpdate().first();
    const pending = db.call('points.earn', { userId: 1, points: 70, description: 'will be cut off' });
    let victim: number | undefined;
    for (let i = 0; i < 100 && victim === undefined; i++) {
      const row = await db
        .knex('pg_stat_activity')
        .where({ datname: db.connection.database, wait_event_type: 'Lock' })
        .first('pid');
      victim = row?.pid as number | undefined;
      if (victim === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    expect(victim).toBeDefined();
    await db.knex.raw('SELECT pg_terminate_backend(?)', [victim]);
    const result = await pending;
    await blocker.rollback();
    expect(result).toMatchObject({ ok: false, error: { code: 'DB_UNAVAILABLE' } });
    expect(await copiesOf(1)).toEqual({ log: 500, stored: 500, legacy: 500 });
    const next = await db.call('points.earn', { userId: 1, points: 30, description: 'after reconnect' });
    expect(next).toMatchObject({ ok: true, data: { currentPoints: 530 } });
    expect(await copiesOf(1)).toEqual({ log: 530, stored: 530, legacy: 530 });
    const verified = await db.call('verify.ledger', {});
    expect(verified.ok && verified.data.checks.filter((c) => !c.ok)).toEqual([]);
  });
});

describe('PostgreSQL restarts while the console runs', () => {
  let home: string;
  let server: EmbeddedServer;
  let session: Session;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'pointkeeper-restart-'));
    await chmod(home, 0o755);
    server = await startEmbedded(home);
    session = await openSession({ kind: 'server', connection: server.connection }, { migrate: true });
    await session.knex('users').insert({ id: 1, email: 'r@example.test', name: 'Restart' });
  });
  afterAll(async () => {
    await session.close();
    await server.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('calls during the outage get DB_UNAVAILABLE naming the server; afterwards they work again', async () => {
    const call = createDispatcher(handlers, () => session);
    expect(await call('points.earn', { userId: 1, points: 10, description: 'before' })).toMatchObject({
      ok: true,
    });
    await stopServer(server.dataDir);
    const down = await call('points.earn', { userId: 1, points: 10, description: 'during' });
    expect(down).toMatchObject({ ok: false, error: { code: 'DB_UNAVAILABLE' } });
    if (!down.ok) expect(down.error.message).toContain(`127.0.0.1:${server.connection.port}`);
    await startServer(server.dataDir, server.connection.port);
    const back = await call('points.earn', { userId: 1, points: 5, description: 'after' });
    expect(back).toMatchObject({ ok: true, data: { currentPoints: 15 } });
  });
});
