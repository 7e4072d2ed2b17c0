import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROFILES_FILE } from '../src/main/desktop/profilesStore';
import { runCli } from './support/cli';
import { createTestDb, type TestDb } from './support/db';

let db: TestDb;
let home: string;

/** Only what each test gives: no DATABASE_URL or PGPASSWORD from the outer environment. */
const cli = (args: string[], env: Record<string, string>) =>
  runCli(args, { DATABASE_URL: undefined, PGPASSWORD: undefined, ...env });

beforeAll(async () => {
  db = await createTestDb();
  home = await mkdtemp(join(tmpdir(), 'pk-cli-profile-'));
  const { host, port, database, user } = db.connection;
  const profile = {
    id: 'p1',
    name: 'Finance',
    host,
    port,
    database,
    login: user,
    tls: 'disable',
    caFile: null,
  };
  await writeFile(
    join(home, PROFILES_FILE),
    JSON.stringify({ version: 1, profiles: [profile], lastProfileId: null, idleLockMinutes: 15 }),
  );
});
afterAll(async () => {
  await db.close();
  await rm(home, { recursive: true, force: true });
});

describe('pointkeeper --profile', () => {
  it('connects with a profile saved in the app, the password from PGPASSWORD', async () => {
    const r = await cli(['--profile', 'Finance', 'whoami', '--json'], {
      POINTKEEPER_HOME: home,
      PGPASSWORD: db.connection.password ?? '',
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      database: db.connection.database,
      login: db.connection.user,
    });
  });

  it('names the profiles it knows when the name is wrong, and asks for a password it lacks', async () => {
    const unknown = await cli(['--profile', 'Nope', 'whoami'], { POINTKEEPER_HOME: home });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No connection profile "Nope"');
    expect(unknown.stderr).toContain('known: local, Finance');
    const noPassword = await cli(['--profile', 'Finance', 'whoami'], {
      POINTKEEPER_HOME: home,
      DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(home, 'no-bus')}`,
    });
    expect(noPassword.code).toBe(1);
    expect(noPassword.stderr).toContain('No password for the profile "Finance"');
  });
});
