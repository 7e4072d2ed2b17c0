import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handlers } from '../src/main/api/handlers/index';
import { createDispatcher } from '../src/main/api/registry';
import { createKnex } from '../src/main/db/knex';
import { migrateLatest } from '../src/main/db/migrate';
import { Connections } from '../src/main/desktop/connections';
import { memoryKeychain } from '../src/main/desktop/keychain';
import { ProfilesService } from '../src/main/desktop/profiles';
import { ProfilesStore } from '../src/main/desktop/profilesStore';
import type { CallInput, CallName, CallOutput } from '../src/shared/contract';
import type { Result } from '../src/shared/result';
import { groupRoles } from '../src/shared/roles';
import { databaseUrl, runCli } from './support/cli';
import { caughtUp, replicationUnavailable, startReplication, type Replication } from './support/replication';

const unavailable = replicationUnavailable();
const DB = 'pk_replica';
const LOGIN = 'pk_replica_operator';
const PASSWORD = 'replica-test-password';

let repl: Replication;
let primary: Knex; // superuser on the primary's ledger database
let standby: Knex; // superuser on the standby's
let home: string;
let connections: Connections;
let profiles: ProfilesService;

const call = <K extends CallName>(name: K, input: CallInput<K>) =>
  createDispatcher(handlers, () => connections.session)(name, input) as Promise<Result<CallOutput<K>>>;

async function ok<T>(p: Promise<Result<T>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.data;
}

const pause = () => standby.raw('SELECT pg_wal_replay_pause()');
const resume = async () => {
  await standby.raw('SELECT pg_wal_replay_resume()');
  await caughtUp({ ...repl.primary, database: DB }, { ...repl.standby, database: DB });
};

async function connectWith(maxLagSeconds: number, name: string) {
  const saved = await profiles.save({
    name,
    host: repl.primary.host,
    port: repl.primary.port,
    database: DB,
    login: LOGIN,
    tls: 'disable',
    caFile: null,
    replica: { host: repl.standby.host, port: repl.standby.port, database: DB, maxLagSeconds },
    password: PASSWORD,
    rememberPassword: true,
  });
  await profiles.connect(saved.id);
}

const PERIOD = { from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' };

const count = async (db: Knex, description: string) =>
  Number((await db('points_transactions').where({ description }).count({ n: '*' }).first())?.n ?? 0);

describe.skipIf(unavailable !== null)(
  `reporting replica${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    beforeAll(async () => {
      repl = await startReplication();
      const root = createKnex(repl.primary, 1);
      await root.raw(`CREATE DATABASE ${DB}`);
      await root.destroy();
      primary = createKnex({ ...repl.primary, database: DB }, 2);
      await migrateLatest(primary);
      await primary.raw(
        `CREATE ROLE ${LOGIN} LOGIN PASSWORD '${PASSWORD}' IN ROLE ${groupRoles(DB).operator}`,
      );
      await primary('users').insert(
        Array.from({ length: 40 }, (_, i) => ({
          id: i + 1,
          email: `r${i + 1}@example.test`,
          name: `Replica ${i + 1}`,
        })),
      );
      for (let id = 1; id <= 40; id++) await primary.raw(`SELECT pointkeeper_earn(?, 100, 'opening')`, [id]);
      standby = createKnex({ ...repl.standby, database: DB }, 1);
      await caughtUp({ ...repl.primary, database: DB }, { ...repl.standby, database: DB });
      home = await mkdtemp(join(tmpdir(), 'pk-replica-home-'));
      connections = new Connections();
      profiles = new ProfilesService({
        home,
        store: new ProfilesStore(home),
        keychain: memoryKeychain(),
        connections,
      });
      await connectWith(3600, 'replicated');
    });

    afterAll(async () => {
      await connections?.close();
      await standby?.raw('SELECT pg_wal_replay_resume()').catch(() => undefined);
      await Promise.all([primary?.destroy(), standby?.destroy()]);
      await repl?.stop();
      if (home) await rm(home, { recursive: true, force: true });
    });

    it('refuses a "replica" that is not a standby, naming the check', async () => {
      const settings = {
        name: 'wrong',
        host: repl.primary.host,
        port: repl.primary.port,
        database: DB,
        login: LOGIN,
        tls: 'disable' as const,
        caFile: null,
        password: PASSWORD,
      };
      await expect(
        profiles.test({
          ...settings,
          replica: { host: repl.primary.host, port: repl.primary.port, database: DB, maxLagSeconds: 5 },
        }),
      ).rejects.toThrow(/not a read-only standby \(pg_is_in_recovery\(\) is false\)/);
      // The same settings with the real standby pass.
      const me = await profiles.test({
        ...settings,
        replica: { host: repl.standby.host, port: repl.standby.port, database: DB, maxLagSeconds: 5 },
      });
      expect(me.login).toBe(LOGIN);
    });

    it('refuses a standby of another cluster, naming both system identifiers', async () => {
      const other = await startReplication();
      try {
        const root = createKnex(other.primary, 1);
        await root.raw(`CREATE ROLE ${LOGIN} LOGIN PASSWORD '${PASSWORD}'`);
        await root.raw(`CREATE DATABASE ${DB}`);
        await root.destroy();
        await caughtUp(other.primary, other.standby);
        await expect(
          profiles.test({
            name: 'foreign',
            host: repl.primary.host,
            port: repl.primary.port,
            database: DB,
            login: LOGIN,
            tls: 'disable',
            caFile: null,
            password: PASSWORD,
            replica: { host: other.standby.host, port: other.standby.port, database: DB, maxLagSeconds: 5 },
          }),
        ).rejects.toThrow(
          /belongs to another cluster \(system identifier \d+; the primary 127\.0\.0\.1:\d+ has \d+\)/,
        );
      } finally {
        await other.stop();
      }
    }, 180_000);

    it('scans on the replica while earns run on the primary', async () => {
      // A discrepancy the standby does not see yet: replay is paused before it is made.
      await pause();
      await primary('users').where({ id: 7 }).update({ rewards: 9999 });
      let scanning = true;
      const earns = (async () => {
        let n = 0;
        while (scanning || n < 5) {
          await ok(call('points.earn', { userId: 20 + (n % 10), points: 1, description: 'during scan' }));
          n++;
        }
        return n;
      })();
      const scan = await ok(call('audit.scan', { verifyChain: true, timeoutSeconds: 60 })).finally(() => {
        scanning = false;
      });
      const earned = await earns;
      // Read on the standby's snapshot: the change made on the primary after the pause is not there.
      expect(scan.status).toBe('done');
      expect(scan.usersScanned).toBe(40);
      expect(scan.byKind.legacy_mismatch.count).toBe(0);
      // Every earn went to the primary; the paused standby has none of them yet.
      expect(await count(primary, 'during scan')).toBe(earned);
      expect(await count(standby, 'during scan')).toBe(0);
      // The scan's own rows are the primary's (a standby takes no writes).
      const row = await primary('audit_scans').where({ id: scan.scanId }).first('status');
      expect(row?.status).toBe('done');

      await resume();
      const again = await ok(call('audit.scan', { verifyChain: true, timeoutSeconds: 60 }));
      expect(again.byKind.legacy_mismatch.count).toBe(1);
      await primary.raw(
        `UPDATE users SET rewards = (SELECT points FROM user_points WHERE user_id = 7) WHERE id = 7`,
      );
      await caughtUp({ ...repl.primary, database: DB }, { ...repl.standby, database: DB });
    });

    it("sends a write through the replica profile to the primary, and that user's page to the primary until the standby replays it", async () => {
      await pause();
      const earned = await ok(call('points.earn', { userId: 3, points: 50, description: 'fresh write' }));
      expect(earned.currentPoints).toBe(150);
      expect(await count(primary, 'fresh write')).toBe(1);
      expect(await count(standby, 'fresh write')).toBe(0);
      // Read-your-writes: user 3's page comes from the primary while the standby is behind...
      expect((await ok(call('users.get', { userId: 3 }))).points).toBe(150);
      // ...while another user's page still reads the standby, which has not seen this change.
      await primary('users').where({ id: 4 }).update({ name: 'Renamed on the primary' });
      expect((await ok(call('users.get', { userId: 4 }))).name).toBe('Replica 4');

      await resume();
      expect((await ok(call('users.get', { userId: 4 }))).name).toBe('Renamed on the primary');
      expect((await ok(call('users.get', { userId: 3 }))).points).toBe(150);
      // Once replayed, the mark is gone: user 3 reads the standby again.
      expect(connections.session!.replica!.freshness.needed([3])).toEqual([]);
    });

    it('refuses to report from a replica lagging past the bound, naming the lag, until the person chooses the primary', async () => {
      await connectWith(1, 'tight bound');
      const dir = await mkdtemp(join(tmpdir(), 'pk-replica-report-'));
      try {
        await pause();
        await primary.raw(`SELECT pointkeeper_earn(5, 10, 'while paused')`);
        await new Promise((r) => setTimeout(r, 1600));
        const path = join(dir, 'statement.csv');
        const refused = await call('report.export', {
          report: 'statement',
          format: 'csv',
          path,
          userId: 5,
          ...PERIOD,
        });
        expect(refused.ok).toBe(false);
        if (refused.ok) return;
        expect(refused.error.code).toBe('DB_UNAVAILABLE');
        expect(refused.error.message).toMatch(
          /^The reporting replica 127\.0\.0\.1:\d+ is \d+\.\d s \([\d.]+ (B|kB|MB) of WAL\) behind the primary, its replay paused, more than this profile's bound of 1 s/,
        );
        expect(existsSync(path)).toBe(false);
        const scan = await call('audit.scan', { verifyChain: false, timeoutSeconds: 60 });
        expect(scan.ok || scan.error.message).toMatch(/behind the primary/);

        const servers = await ok(call('session.servers', {}));
        expect(servers.replica).toMatchObject({ state: 'lagging', replayPaused: true, maxLagSeconds: 1 });
        expect(servers.replica!.lagSeconds!).toBeGreaterThan(1);
        expect(servers.replica!.lagBytes!).toBeGreaterThan(0);

        // The person's choice: report from the primary, which has the paused write.
        await ok(call('session.readFrom', { source: 'primary' }));
        await ok(call('report.export', { report: 'statement', format: 'csv', path, userId: 5, ...PERIOD }));
        expect(existsSync(path)).toBe(true);
      } finally {
        await resume();
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("writes a backup from the replica's snapshot, signed by the primary", async () => {
      // backup.export needs an admin: the same login, made one for this test.
      await primary.raw(`GRANT ${groupRoles(DB).admin} TO ${LOGIN}`);
      const dir = await mkdtemp(join(tmpdir(), 'pk-replica-backup-'));
      try {
        await connectWith(3600, 'replicated admin');
        await pause();
        await primary.raw(`SELECT pointkeeper_earn(6, 10, 'after the pause')`);
        const path = join(dir, 'from-replica.ndjson');
        const written = await ok(call('backup.export', { scope: 'full', path, overwrite: false }));
        // The snapshot is the standby's: the earn it has not replayed is not in the file.
        const onStandby = Number((await standby('points_transactions').count({ n: '*' }).first())?.n);
        expect(written.counts.points_transactions).toBe(onStandby);
        expect(await count(primary, 'after the pause')).toBe(1);
        const inspected = await ok(call('backup.inspect', { path }));
        expect(inspected.header.source.server).toBe(`127.0.0.1:${repl.standby.port}`);
        // The signature is the primary's (a standby takes no writes), and this database's.
        const plan = await ok(call('backup.restore.plan', { path, mode: 'merge' }));
        expect(plan.signature.status).toBe('this_database');
        expect(plan.tables.find((t) => t.table === 'points_transactions')?.insert).toBe(0);
      } finally {
        await resume();
        await primary.raw(`REVOKE ${groupRoles(DB).admin} FROM ${LOGIN}`);
        await connectWith(3600, 'replicated, operator again');
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('the command line honours the replica: `servers` shows it, --no-replica drops it', async () => {
      const env = {
        DATABASE_URL: databaseUrl({ ...repl.primary, database: DB, user: LOGIN, password: PASSWORD }),
        POINTKEEPER_REPLICA_URL: databaseUrl({
          ...repl.standby,
          database: DB,
          user: LOGIN,
          password: PASSWORD,
        }),
        POINTKEEPER_REPLICA_MAX_LAG: '5',
        POINTKEEPER_PROFILE: undefined,
      };
      const shown = await runCli(['servers', '--json'], env);
      expect(shown.code, shown.stderr).toBe(0);
      expect(JSON.parse(shown.stdout)).toMatchObject({
        replica: {
          server: `127.0.0.1:${repl.standby.port}`,
          state: 'ok',
          maxLagSeconds: 5,
          readsFrom: 'replica',
        },
      });
      const off = await runCli(['--no-replica', 'servers', '--json'], env);
      expect(JSON.parse(off.stdout)).toMatchObject({ replica: null });
      const insist = await runCli(['--replica', 'whoami'], { ...env, POINTKEEPER_REPLICA_URL: undefined });
      expect(insist.code).toBe(2);
      expect(insist.stderr).toMatch(/--replica: this connection names no replica/);
    }, 180_000);
  },
);
