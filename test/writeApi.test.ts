import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { dropRolesOf, FUNCTION_GRANTS } from '../migrations/privileges';
import { createKnex } from '../src/main/db/knex';
import { migrateLatest } from '../src/main/db/migrate';
import { openSession } from '../src/main/db/session';
import { chainBreaksOf } from '../src/main/ledger/chain';
import { groupRoles } from '../src/shared/roles';
import { createTestDb, type TestDb } from './support/db';

/**
 * Issue 14: every attack an insider could make with psql and the login the console gave them is
 * refused by PostgreSQL itself — these tests speak SQL as real LOGIN roles, not through the app.
 */
let db: TestDb;
let userId: number;
type Login = Awaited<ReturnType<TestDb['loginAs']>>;
let auditor: Login;
let operator: Login;
let admin: Login;

const raw = (login: Login, sql: string, bindings: Knex.RawBinding[] = []) =>
  login.session.knex.raw(sql, bindings);

beforeAll(async () => {
  db = await createTestDb();
  userId = 7_000_001;
  await db.knex('users').insert({ id: userId, email: 'insider@example.test', name: 'Insider Target' });
  const earned = await db.call('points.earn', { userId, points: 300, description: 'Welcome' });
  if (!earned.ok) throw new Error(earned.error.message);
  auditor = await db.loginAs('auditor');
  operator = await db.loginAs('operator');
  admin = await db.loginAs('admin');
});
afterAll(() => db.close());

async function logSum(): Promise<number> {
  const r = await db.knex('points_transactions').where({ user_id: userId }).sum({ s: 'points' }).first();
  return Number(r?.s ?? 0);
}

describe('an operator with psql', () => {
  it('cannot insert a forged adjustment with a correctly computed plain hash, nor fix the copies to match', async () => {
    const last = (await db
      .knex('points_transactions')
      .where({ user_id: userId })
      .orderBy('id', 'desc')
      .first()) as {
      row_hash: Buffer;
    };
    const forgedHash = createHash('sha256')
      .update(Buffer.concat([last.row_hash, Buffer.from('forged')]))
      .digest();
    await expect(
      raw(
        operator,
        `INSERT INTO points_transactions (user_id, type, points, description, created_by, created_at, prev_hash, row_hash)
         VALUES (?, 'adjustment', 500000, 'goodwill', 'admin', '2022-01-01', ?, ?)`,
        [userId, last.row_hash, forgedHash],
      ),
    ).rejects.toThrow(/permission denied for table points_transactions/);
    await expect(
      raw(operator, 'UPDATE user_points SET points = points + 500000 WHERE user_id = ?', [userId]),
    ).rejects.toThrow(/permission denied for table user_points/);
    await expect(raw(operator, 'UPDATE users SET rewards = 500300 WHERE id = ?', [userId])).rejects.toThrow(
      /permission denied for table users/,
    );
    await expect(raw(operator, `SELECT setval('points_transactions_id_seq', 2000000000)`)).rejects.toThrow(
      /permission denied for sequence/,
    );
    await expect(raw(operator, 'SELECT chain_key FROM pointkeeper_keys')).rejects.toThrow(
      /permission denied/,
    );
    await expect(
      raw(operator, `SELECT pointkeeper__append(?, 'bonus', 10000, 'x', NULL, NULL, NULL, NULL)`, [userId]),
    ).rejects.toThrow(/permission denied for function/);
    expect(await logSum()).toBe(300);
  });

  it('gets the ledger rules from the functions too: range, text, balance, keys', async () => {
    const refused = async (sql: string, bindings: Knex.RawBinding[], code: string) => {
      await expect(raw(operator, sql, bindings)).rejects.toMatchObject({ code });
    };
    await refused('SELECT pointkeeper_earn(?, 10001, ?)', [userId, 'too much'], 'PK422');
    await refused('SELECT pointkeeper_earn(?, 0, ?)', [userId, 'nothing'], 'PK422');
    await refused('SELECT pointkeeper_earn(?, 5, ?)', [userId, 'bell\u0007'], 'PK422');
    await refused(`SELECT pointkeeper_earn(?, 5, 'x', 'adjustment')`, [userId], 'PK422');
    await refused('SELECT pointkeeper_redeem(?, 301, ?)', [userId, 'more than held'], 'PK402');
    await refused('SELECT pointkeeper_earn(?, 5, ?)', [999_999_999, 'nobody'], 'PK404');
    await raw(operator, `SELECT pointkeeper_earn(?, 5, 'keyed', 'earned', NULL, NULL, 'insider-key-1')`, [
      userId,
    ]);
    await refused(
      `SELECT pointkeeper_earn(?, 6, 'keyed', 'earned', NULL, NULL, 'insider-key-1')`,
      [userId],
      'PK409',
    );
    expect(await logSum()).toBe(305);
  });
});

describe("authorship and time are the server's", () => {
  it('a row written through the functions carries the calling login and the server clock, whatever the client sets', async () => {
    await raw(operator, `SET TIME ZONE 'Pacific/Kiritimati'`);
    // A login that switches to its group role is still itself: session_user, not current_user.
    await raw(operator, `SET ROLE ??`, [groupRoles(db.connection.database).operator]);
    const result = (await raw(operator, `SELECT pointkeeper_earn(?, 7, 'authored') AS r`, [userId])) as {
      rows: Array<{ r: { transactionId: number } }>;
    };
    await raw(operator, 'RESET ROLE');
    await raw(operator, 'RESET TIME ZONE');
    const row = (await db
      .knex('points_transactions')
      .where({ id: result.rows[0]!.r.transactionId })
      .first()) as {
      created_by: string;
      created_at: Date;
    };
    const server = (await db.knex.raw('SELECT now() AS now')) as { rows: Array<{ now: Date }> };
    expect(row.created_by).toBe(operator.login);
    expect(Math.abs(server.rows[0]!.now.getTime() - row.created_at.getTime())).toBeLessThan(60_000);
    const entry = (await db
      .knex('operations_log')
      .where({ action: 'points.earn' })
      .orderBy('id', 'desc')
      .first()) as {
      actor: string;
      result: { transactionId: number };
    };
    expect(entry).toMatchObject({
      actor: operator.login,
      result: { transactionId: result.rows[0]!.r.transactionId },
    });
  });

  it('a row re-hashed without the key is a chain break the audit reports', async () => {
    const target = (await db
      .knex('points_transactions')
      .where({ user_id: userId })
      .orderBy('id')
      .first()) as {
      id: number;
      prev_hash: Buffer;
    };
    // The forger knows the content format and plain SHA-256, not the key.
    await db.knex.transaction(async (trx) => {
      await trx.raw('ALTER TABLE points_transactions DISABLE TRIGGER USER');
      await trx.raw(
        `UPDATE points_transactions t SET points = 3000, row_hash = sha256(t.prev_hash || convert_to(
           pointkeeper_tx_content(t.id, t.user_id, t.type, 3000, t.description, t.order_id, t.order_amount,
             t.reverses_id, t.idempotency_key, t.created_by, t.created_at), 'UTF8')) WHERE id = ?`,
        [target.id],
      );
      await trx.raw('ALTER TABLE points_transactions ENABLE TRIGGER USER');
    });
    // Checked as the auditor, through the database's function: the key never leaves it.
    const breaks = await chainBreaksOf(auditor.session.knex, userId);
    expect(breaks[0]).toEqual({ userId, transactionId: target.id, previousId: null, kind: 'altered' });
    const verify = await auditor.call('verify.ledger', {});
    if (!verify.ok) throw new Error(verify.error.message);
    expect(verify.data.checks.find((c) => c.name === 'chains-verify')).toMatchObject({ ok: false });
  });
});

describe('an auditor with psql', () => {
  it('cannot write the operations log but through the function, which signs entries with the login and time', async () => {
    await expect(
      raw(
        auditor,
        `INSERT INTO operations_log (at, actor, action, input, outcome) VALUES ('2022-01-01', 'admin', 'backup.restore.apply', '{}', 'ok')`,
      ),
    ).rejects.toThrow(/permission denied for table operations_log/);
    await expect(
      raw(
        auditor,
        `SELECT pointkeeper_log_operation('backup.restore.write', '{"mode":"replace"}', 'ok', NULL, NULL)`,
      ),
    ).rejects.toMatchObject({ code: 'PK403' });
    await expect(
      raw(
        auditor,
        `SELECT pointkeeper_log_operation('points.earn', '{}', 'ok', NULL, '{"transactionId":1}')`,
      ),
    ).rejects.toMatchObject({ code: 'PK403' });
    // Entries the approvals, grants and expiry functions write themselves cannot be forged either.
    for (const action of ['approvals.approve', 'grants.chunk', 'points.expire.chunk'])
      await expect(
        raw(auditor, `SELECT pointkeeper_log_operation('${action}', '{}', 'ok', NULL, NULL)`),
      ).rejects.toMatchObject({ code: 'PK403' });
    const id = (await raw(
      auditor,
      `SELECT pointkeeper_log_operation('audit.note', '{}', 'ok', NULL, NULL) AS id`,
    )) as {
      rows: Array<{ id: number }>;
    };
    const entry = await db.knex('operations_log').where({ id: id.rows[0]!.id }).first('actor');
    expect(entry?.actor).toBe(auditor.login);
  });

  it("cannot forge or steer scans: no direct writes, no scan pointing at another session, no progress on another login's scan", async () => {
    await expect(
      raw(
        auditor,
        `INSERT INTO audit_scans (status, verify_chain, backend_pid) VALUES ('running', false, 1)`,
      ),
    ).rejects.toThrow(/permission denied for table audit_scans/);
    await expect(raw(auditor, `UPDATE audit_scans SET cancel_requested = true`)).rejects.toThrow(
      /permission denied/,
    );
    const started = (await raw(auditor, 'SELECT pointkeeper_scan_start(false) AS id')) as {
      rows: Array<{ id: number }>;
    };
    const scanId = started.rows[0]!.id;
    // Another login's backend (the operator's pool) cannot be claimed as this scan's.
    const victim = (await raw(operator, 'SELECT pg_backend_pid() AS pid')) as {
      rows: Array<{ pid: number }>;
    };
    await expect(
      raw(auditor, 'SELECT pointkeeper_scan_attach(?, 1, ?)', [scanId, victim.rows[0]!.pid]),
    ).rejects.toMatchObject({ code: 'PK403' });
    const other = await db.loginAs('auditor');
    await expect(raw(other, 'SELECT pointkeeper_scan_progress(?, 5)', [scanId])).rejects.toMatchObject({
      code: 'PK403',
    });
    await raw(auditor, `SELECT pointkeeper_scan_finish(?, 'cancelled', 0, 0, 'test')`, [scanId]);
  });
});

describe('an admin with psql', () => {
  it('has no standalone removal, cannot delete around the restore, and cannot move the sequences', async () => {
    await expect(
      raw(admin, 'SELECT pointkeeper_restore_remove_transactions(ARRAY[?]::int[])', [userId]),
    ).rejects.toThrow(/does not exist/);
    await expect(
      admin.session.knex.transaction(async (trx) => {
        await trx.raw(`SET LOCAL pointkeeper.restore_replace = 'on'`);
        await trx.raw('DELETE FROM points_transactions WHERE user_id = ?', [userId]);
      }),
    ).rejects.toThrow(/permission denied/);
    await expect(
      admin.session.knex.transaction(async (trx) => {
        await trx.raw(`SELECT setval('points_transactions_id_seq', 2147483000)`);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow(/permission denied for sequence/);
    await expect(
      raw(
        admin,
        "INSERT INTO recovery_runs (id, action, scope, fingerprint, chunks_total) VALUES (gen_random_uuid(), 'sync', '{}', 'x', 1)",
      ),
    ).rejects.toThrow(/permission denied/);
    const earned = await operator.call('points.earn', {
      userId,
      points: 1,
      description: 'after the attempts',
    });
    expect(earned.ok).toBe(true);
  });
});

describe('a restore that re-seals', () => {
  it('refuses to merge into a history that already fails the chain, so a re-seal cannot heal a tampered row', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pk-reseal-'));
    try {
      const id = 7_000_101;
      await db.knex('users').insert({ id, email: 'healed@example.test', name: 'Not Healed' });
      for (const points of [40, 60]) {
        const r = await db.call('points.earn', { userId: id, points, description: 'history' });
        if (!r.ok) throw new Error(r.error.message);
      }
      const path = join(dir, 'user.ndjson');
      const exported = await db.call('backup.export', { scope: { userIds: [id] }, path });
      if (!exported.ok) throw new Error(exported.error.message);
      await db.knex.transaction(async (trx) => {
        await trx.raw('ALTER TABLE points_transactions DISABLE TRIGGER USER');
        await trx.raw(
          `UPDATE points_transactions SET description = 'edited' WHERE id = (SELECT min(id) FROM points_transactions WHERE user_id = ?)`,
          [id],
        );
        await trx.raw('ALTER TABLE points_transactions ENABLE TRIGGER USER');
      });
      const merged = await admin.call('backup.restore.apply', {
        path,
        mode: 'merge',
        safetyDir: dir,
        acknowledgeNotSignedHere: true,
      });
      expect(merged).toMatchObject({
        ok: false,
        error: { code: 'CONFLICT', message: expect.stringContaining('already fails the chain') },
      });
      expect((await chainBreaksOf(db.knex, id))[0]).toMatchObject({ kind: 'altered' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('privileges', () => {
  it('every function granted to a role exists once the migrations are done', async () => {
    const all = Object.values(FUNCTION_GRANTS).flat();
    const r = (await db.knex.raw('SELECT fn FROM unnest(?::text[]) fn WHERE to_regprocedure(fn) IS NULL', [
      all,
    ])) as {
      rows: Array<{ fn: string }>;
    };
    expect(r.rows).toEqual([]);
  });
});

describe('logins and databases', () => {
  it('a login in no Pointkeeper role is told, in one sentence, which grant it needs', async () => {
    const login = `pk_norole_${randomBytes(4).toString('hex')}`;
    await db.knex.raw(`CREATE ROLE ${login} LOGIN PASSWORD 'x-${login}'`);
    try {
      const opened = openSession({
        kind: 'server',
        connection: { ...db.connection, user: login, password: `x-${login}` },
      });
      const roles = groupRoles(db.connection.database);
      await expect(opened).rejects.toMatchObject({
        code: 'FORBIDDEN',
        message: expect.stringContaining(`GRANT ${roles.operator} TO ${login}`),
      });
      await expect(opened).rejects.not.toMatchObject({
        message: expect.stringMatching(/SELECT|knex_migrations/),
      });
    } finally {
      await db.knex.raw(`DROP ROLE ${login}`);
    }
  });

  it("lists the database's roles and who holds them (pointkeeper roles)", async () => {
    const r = await auditor.call('session.roles', {});
    if (!r.ok) throw new Error(r.error.message);
    const roles = groupRoles(db.connection.database);
    expect(r.data.roles.map((x) => x.pgRole)).toEqual([roles.auditor, roles.operator, roles.admin]);
    expect(r.data.roles.find((x) => x.role === 'operator')!.members).toContain(operator.login);
    expect(r.data.roles.find((x) => x.role === 'admin')!.members).toContain(admin.login);
  });

  it('two databases on one server: a login of one cannot connect to the other', async () => {
    const admin0 = inject('pg');
    const root = createKnex({ ...admin0, database: 'postgres' }, 1);
    const names = [0, 1].map(() => `pk_two_${randomBytes(4).toString('hex')}`);
    const login = `pk_two_login_${randomBytes(4).toString('hex')}`;
    try {
      for (const name of names) {
        await root.raw(`CREATE DATABASE ${name}`);
        const k = createKnex({ ...admin0, database: name }, 1);
        await migrateLatest(k).finally(() => k.destroy());
      }
      await root.raw(`CREATE ROLE ${login} LOGIN PASSWORD 'pw' IN ROLE ${groupRoles(names[0]!).admin}`);
      const mine = await openSession({
        kind: 'server',
        connection: { ...admin0, database: names[0]!, user: login, password: 'pw' },
      });
      expect(mine.whoami.role).toBe('admin');
      await mine.close();
      await expect(
        openSession({
          kind: 'server',
          connection: { ...admin0, database: names[1]!, user: login, password: 'pw' },
        }),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
      const direct = createKnex({ ...admin0, database: names[1]!, user: login, password: 'pw' }, 1);
      await expect(direct.raw('SELECT 1')).rejects.toThrow(/permission denied for database/);
      await direct.destroy();
    } finally {
      for (const name of names) {
        await root.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }
      await root.raw(`DROP ROLE IF EXISTS ${login}`);
      for (const name of names) await dropRolesOf(root, name);
      await root.destroy();
    }
  });
});
