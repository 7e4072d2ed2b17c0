import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toErrorData } from '../src/main/api/errors';
import { looksLikeSql } from '../src/main/db/pgMessage';
import { AppError } from '../src/main/errors';
import { LOG_FILE, logToFile } from '../src/main/logger';
import { createTestDb, type TestDb } from './support/db';

let db: TestDb;
let auditor: Knex;
let logDir: string;
const server = { host: '127.0.0.1', port: 5432 };

async function caught(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected the database to refuse');
}

beforeAll(async () => {
  db = await createTestDb();
  auditor = (await db.loginAs('auditor')).session.knex;
  logDir = await mkdtemp(join(tmpdir(), 'pk-log-'));
  logToFile(logDir);
});
afterAll(async () => {
  await rm(logDir, { recursive: true, force: true });
  await db.close();
});

describe('error messages a person reads', () => {
  it('never contain SQL, whatever the database answered; the raw text goes to the log file', async () => {
    const errors: unknown[] = [
      // permission denied (42501), through knex, which puts the query in front of the message
      await caught(() => auditor('users').insert({ id: 99_002, email: 'z@x' })),
      await caught(() => auditor.raw('SELECT pg_cancel_backend(?)', ['not a pid'])),
      // unique violation, check violation, syntax error, a bad cast, an aborted transaction
      await caught(() =>
        db.knex('users').insert([
          { id: 99_001, email: 'a@x' },
          { id: 99_001, email: 'b@x' },
        ]),
      ),
      await caught(() => db.knex.raw('SELECT * FROM users WHERE id = $1 AND nonsense', [1])),
      await caught(() => db.knex.raw("SELECT 'x'::int WHERE 1 = ?", [1])),
      await caught(() =>
        db.knex.transaction(async (trx) => {
          await trx.raw('SELECT 1/0').catch(() => undefined);
          await trx.raw('SELECT pg_cancel_backend(?)', [1]);
        }),
      ),
      await caught(() => db.knex.raw('SELECT pg_sleep(1)').timeout(10, { cancel: true })),
    ];
    const wrapped = errors[1] as Error;
    errors.push(new AppError('INTERNAL', `the scan could not stop: ${wrapped.message}`));
    for (const error of errors) {
      const raw = (error as Error).message;
      const shown = toErrorData(error, server);
      expect(shown.message, raw).not.toMatch(/select|insert|pg_cancel_backend|\$1|nonsense/i);
      expect(looksLikeSql(shown.message)).toBe(false);
    }
    // The SQL-bearing ones were caught by the raw text, which is in the log file only.
    expect(errors.slice(0, 2).every((e) => looksLikeSql((e as Error).message))).toBe(true);
    const log = await readFile(join(logDir, LOG_FILE), 'utf8');
    expect(log).toContain('pg_cancel_backend');
    expect((await stat(join(logDir, LOG_FILE))).mode & 0o777).toBe(0o600);
    expect((await stat(logDir)).mode & 0o777).toBe(0o700);
  });

  it('keep their meaning: a refused permission is still FORBIDDEN with the server’s words', async () => {
    const error = await caught(() => auditor('users').insert({ id: 99_002, email: 'z@x' }));
    expect(toErrorData(error, server)).toEqual({
      code: 'FORBIDDEN',
      message: 'The database refused this for your login: permission denied for table users.',
    });
  });
});
