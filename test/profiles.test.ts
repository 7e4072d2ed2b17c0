import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handlers } from '../src/main/api/handlers/index';
import { createLocalHandlers } from '../src/main/api/local';
import { createDispatcher, type Dispatcher } from '../src/main/api/registry';
import { noDesktop } from '../src/main/desktop/dialogs';
import { Connections } from '../src/main/desktop/connections';
import { memoryKeychain } from '../src/main/desktop/keychain';
import { ProfilesService } from '../src/main/desktop/profiles';
import { PROFILES_FILE, ProfilesStore } from '../src/main/desktop/profilesStore';
import { groupRoles, type Role } from '../src/shared/roles';
import { createTestDb, type TestDb } from './support/db';
import { startFakePgServer } from './support/fakePgServer';

let db: TestDb;
let home: string;
let keychain: ReturnType<typeof memoryKeychain>;
let connections: Connections;
let dispatch: Dispatcher;

function setUp(chain = memoryKeychain()) {
  keychain = chain;
  connections = new Connections();
  const profiles = new ProfilesService({ home, store: new ProfilesStore(home), keychain, connections });
  dispatch = createDispatcher(
    handlers,
    () => connections.session,
    createLocalHandlers({ desktop: noDesktop('a test'), profiles }),
  );
}

async function login(role: Role) {
  const name = `${db.connection.database}_${role}_${randomBytes(3).toString('hex')}`;
  const password = `pw-${randomBytes(9).toString('base64url')}`;
  await db.knex.raw(
    `CREATE ROLE ${name} LOGIN PASSWORD '${password}' IN ROLE ${groupRoles(db.connection.database)[role]}`,
  );
  return { name, password };
}

const fieldsFor = (loginName: string) => ({
  name: `Finance ${loginName.slice(-6)}`,
  host: db.connection.host,
  port: db.connection.port,
  database: db.connection.database,
  login: loginName,
  tls: 'disable' as const,
});

const fileText = () => readFile(join(home, PROFILES_FILE), 'utf8');

async function ok<T>(p: Promise<{ ok: boolean; data?: unknown; error?: unknown }>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.error)}`);
  return r.data as T;
}

beforeAll(async () => {
  db = await createTestDb();
});
afterAll(() => db.close());
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'pk-profiles-'));
  setUp();
});
afterEach(async () => {
  await connections.close();
  await rm(home, { recursive: true, force: true });
});

describe('connection profiles', () => {
  it('keep the remembered password in the keychain and never in profiles.json', async () => {
    const op = await login('operator');
    const saved = await ok<{ id: string; passwordSaved: boolean }>(
      dispatch('profiles.save', { ...fieldsFor(op.name), password: op.password, rememberPassword: true }),
    );
    expect(saved.passwordSaved).toBe(true);
    expect(keychain.entries.get(saved.id)).toBe(op.password);
    const text = await fileText();
    expect(text).toContain(op.name);
    expect(text).not.toContain(op.password);
    expect(text).not.toMatch(/password/i);
  });

  it('test a connection: the role on success, a clear message for a wrong password or port', async () => {
    const auditor = await login('auditor');
    const good = await dispatch('profiles.test', { ...fieldsFor(auditor.name), password: auditor.password });
    expect(good).toMatchObject({ ok: true, data: { login: auditor.name, role: 'auditor' } });
    const wrongPassword = await dispatch('profiles.test', { ...fieldsFor(auditor.name), password: 'wrong' });
    expect(wrongPassword).toMatchObject({ ok: false, error: { code: 'DB_UNAVAILABLE' } });
    expect(!wrongPassword.ok && wrongPassword.error.message).toMatch(`refused the login ${auditor.name}`);
    const wrongPort = await dispatch('profiles.test', { ...fieldsFor(auditor.name), port: 1, password: 'x' });
    expect(!wrongPort.ok && wrongPort.error.message).toMatch(
      /Cannot reach PostgreSQL at [^ ]+:1 \(ECONNREFUSED\)/,
    );
    // Testing changes nothing: still not connected, nothing saved.
    expect(connections.session).toBeNull();
    await expect(fileText()).rejects.toThrow();
  });

  it('a saved password is never sent to a server other than the saved one, nor while locked', async () => {
    const op = await login('operator');
    const saved = await ok<{ id: string }>(
      dispatch('profiles.save', { ...fieldsFor(op.name), password: op.password, rememberPassword: true }),
    );
    const fake = await startFakePgServer();
    try {
      // The fake server really does capture a password it is given (the listener works)…
      const typed = await dispatch('profiles.test', {
        ...fieldsFor(op.name),
        host: '127.0.0.1',
        port: fake.port,
        password: 'typed-by-hand',
      });
      expect(typed.ok).toBe(false);
      expect(fake.passwords).toEqual(['typed-by-hand']);
      // …but a test of the saved profile's id aimed at it, or with another login or TLS mode, is
      // refused before any connection.
      const aimedElsewhere = [
        { host: '127.0.0.1', port: fake.port },
        { login: 'postgres' },
        { database: 'postgres' },
        { tls: 'require' as const },
      ];
      const startups = fake.startups;
      for (const change of aimedElsewhere) {
        const r = await dispatch('profiles.test', { ...fieldsFor(op.name), ...change, id: saved.id });
        expect(r).toMatchObject({
          ok: false,
          error: { code: 'VALIDATION', details: { needsPassword: true } },
        });
      }
      expect(fake.startups).toBe(startups);
      expect(fake.passwords).not.toContain(op.password);
      // The exact saved settings may use it.
      const same = await dispatch('profiles.test', { ...fieldsFor(op.name), id: saved.id });
      expect(same).toMatchObject({ ok: true, data: { login: op.name } });
      // Locked: not even against the saved server.
      await ok(dispatch('connection.connect', { profileId: saved.id }));
      await ok(dispatch('connection.lock', {}));
      const whileLocked = await dispatch('profiles.test', { ...fieldsFor(op.name), id: saved.id });
      expect(whileLocked).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    } finally {
      await fake.close();
    }
  });

  it('connect, switch to another login without a restart, and disconnect', async () => {
    const op = await login('operator');
    const admin = await login('admin');
    const a = await ok<{ id: string }>(
      dispatch('profiles.save', { ...fieldsFor(op.name), password: op.password, rememberPassword: true }),
    );
    const b = await ok<{ id: string }>(
      dispatch('profiles.save', { ...fieldsFor(admin.name), rememberPassword: false }),
    );
    await ok(dispatch('connection.connect', { profileId: a.id }));
    expect(await dispatch('session.whoami', {})).toMatchObject({
      ok: true,
      data: { login: op.name, role: 'operator' },
    });
    const first = connections.session!;
    // No password saved for b: the screen is told to ask for it.
    const ask = await dispatch('connection.connect', { profileId: b.id });
    expect(ask).toMatchObject({ ok: false, error: { code: 'VALIDATION', details: { needsPassword: true } } });
    expect(connections.session).toBe(first); // a failed switch leaves the console where it was
    await ok(dispatch('connection.connect', { profileId: b.id, password: admin.password }));
    expect(await dispatch('session.whoami', {})).toMatchObject({
      ok: true,
      data: { login: admin.name, role: 'admin' },
    });
    await expect(first.knex.raw('SELECT 1')).rejects.toThrow(); // the old pool is closed
    const list = await ok<{ connection: { status: string; profileId: string } }>(
      dispatch('profiles.list', {}),
    );
    expect(list.connection).toMatchObject({ status: 'connected', profileId: b.id });
    await ok(dispatch('connection.disconnect', {}));
    expect(await dispatch('session.whoami', {})).toMatchObject({
      ok: false,
      error: { code: 'DB_UNAVAILABLE' },
    });
  });

  it('lock after idle: the session closes and only the password opens it again', async () => {
    const op = await login('operator');
    const p = await ok<{ id: string }>(
      dispatch('profiles.save', { ...fieldsFor(op.name), password: op.password, rememberPassword: true }),
    );
    await ok(dispatch('connection.setIdleLock', { minutes: 5 }));
    await ok(dispatch('connection.connect', { profileId: p.id }));
    const locked = await ok<{ status: string; message: string }>(dispatch('connection.lock', {}));
    expect(locked).toMatchObject({ status: 'locked', message: 'Locked after 5 minute(s) without activity.' });
    expect(await dispatch('session.whoami', {})).toMatchObject({
      ok: false,
      error: { code: 'DB_UNAVAILABLE' },
    });
    // The remembered password does not unlock: a person must type it.
    const again = await dispatch('connection.connect', { profileId: p.id });
    expect(again).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION', details: { needsPassword: true } },
    });
    expect(await dispatch('connection.connect', { profileId: p.id, password: 'wrong' })).toMatchObject({
      ok: false,
      error: { code: 'DB_UNAVAILABLE' },
    });
    await ok(dispatch('connection.connect', { profileId: p.id, password: op.password }));
    expect(await dispatch('session.whoami', {})).toMatchObject({ ok: true, data: { login: op.name } });
  });

  it('deleting a profile deletes its keychain entry; unticking remember deletes it too', async () => {
    const op = await login('operator');
    const p = await ok<{ id: string }>(
      dispatch('profiles.save', { ...fieldsFor(op.name), password: op.password, rememberPassword: true }),
    );
    await ok(dispatch('profiles.save', { ...fieldsFor(op.name), id: p.id, rememberPassword: false }));
    expect(keychain.entries.has(p.id)).toBe(false);
    await ok(
      dispatch('profiles.save', {
        ...fieldsFor(op.name),
        id: p.id,
        password: op.password,
        rememberPassword: true,
      }),
    );
    expect(keychain.entries.has(p.id)).toBe(true);
    await ok(dispatch('profiles.delete', { id: p.id }));
    expect(keychain.entries.has(p.id)).toBe(false);
    expect(await fileText()).not.toContain(p.id);
    expect(await dispatch('profiles.delete', { id: 'local' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
  });

  it('a password remembered for one login is dropped when the profile points at another', async () => {
    const op = await login('operator');
    const p = await ok<{ id: string }>(
      dispatch('profiles.save', { ...fieldsFor(op.name), password: op.password, rememberPassword: true }),
    );
    await ok(
      dispatch('profiles.save', { ...fieldsFor(op.name), id: p.id, name: 'Renamed', rememberPassword: true }),
    );
    expect(keychain.entries.get(p.id)).toBe(op.password); // a new name only: kept
    await ok(
      dispatch('profiles.save', {
        ...fieldsFor('someone_else'),
        id: p.id,
        name: 'Renamed',
        rememberPassword: true,
      }),
    );
    expect(keychain.entries.has(p.id)).toBe(false);
  });

  it('without a keychain: says so, refuses to remember, and still connects with a typed password', async () => {
    const reason =
      'No OS keychain is available (no Secret Service on D-Bus). Pointkeeper will ask for the password each time and never writes it to disk.';
    setUp(memoryKeychain(reason));
    const op = await login('operator');
    const list = await ok<{ keychain: unknown }>(dispatch('profiles.list', {}));
    expect(list.keychain).toEqual({ available: false, reason });
    const refused = await dispatch('profiles.save', {
      ...fieldsFor(op.name),
      password: op.password,
      rememberPassword: true,
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'VALIDATION', message: reason } });
    await expect(fileText()).rejects.toThrow(); // nothing written
    const p = await ok<{ id: string; passwordSaved: boolean }>(
      dispatch('profiles.save', { ...fieldsFor(op.name), rememberPassword: false }),
    );
    expect(p.passwordSaved).toBe(false);
    await ok(dispatch('connection.connect', { profileId: p.id, password: op.password }));
    expect(await fileText()).not.toContain(op.password);
  });

  it('refuse a damaged profiles.json, or one someone put a password in, with where it is wrong', async () => {
    await writeFile(join(home, PROFILES_FILE), '{ not json');
    const broken = await dispatch('profiles.list', {});
    expect(!broken.ok && broken.error.message).toMatch(/profiles\.json is not valid JSON/);
    const withPassword = {
      version: 1,
      lastProfileId: null,
      idleLockMinutes: 15,
      profiles: [
        {
          id: 'a',
          name: 'A',
          host: 'h',
          port: 5432,
          database: 'd',
          login: 'l',
          tls: 'disable',
          caFile: null,
          password: 'x',
        },
      ],
    };
    await writeFile(join(home, PROFILES_FILE), JSON.stringify(withPassword));
    const refused = await dispatch('profiles.list', {});
    expect(!refused.ok && refused.error.message).toMatch(/profiles\.json is damaged at profiles\.0/);
  });

  it('bad profile input is refused and writes nothing', async () => {
    const bad = [
      { ...fieldsFor('x'), port: 0 },
      { ...fieldsFor('x'), host: 'bad host; rm -rf' },
      { ...fieldsFor('x'), name: ' ' },
      { ...fieldsFor('x'), tls: 'maybe' },
      { ...fieldsFor('x'), login: 'l'.repeat(64) },
      // The CA path is read by the main process: a certificate file only, not any file.
      { ...fieldsFor('x'), tls: 'verify-full', caFile: '/etc/shadow' },
    ];
    for (const input of bad) {
      expect(await dispatch('profiles.save', { ...input, rememberPassword: false })).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION' },
      });
    }
    await expect(fileText()).rejects.toThrow();
  });

  it('whatever the passwords and edits, profiles.json never holds one', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ password: fc.string({ minLength: 8, maxLength: 40 }), remember: fc.boolean() }),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        async (edits) => {
          let id: string | undefined;
          for (const [i, e] of edits.entries()) {
            const saved = await ok<{ id: string }>(
              dispatch('profiles.save', {
                ...fieldsFor(`login_${i}`),
                name: `P ${i} ${randomBytes(3).toString('hex')}`,
                ...(id ? { id } : {}),
                password: e.password,
                rememberPassword: e.remember,
              }),
            );
            id = saved.id;
            const text = await fileText();
            expect(text.includes(JSON.stringify(e.password).slice(1, -1))).toBe(false);
            expect(keychain.entries.get(id) ?? null).toBe(e.remember ? e.password : null);
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
