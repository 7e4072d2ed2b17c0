import { test as base, expect } from '@playwright/test';
import { CALL_NAMES, type CallInput, type CallName, type CallOutput } from '../src/shared/contract';
import type { Result } from '../src/shared/result';
import type { Role } from '../src/shared/roles';
import type { TestLogin } from './host/databases';
import type { DesktopRecord, DialogKind } from './host/scriptedDesktop';
import { installBridge } from './bridge';
import { startHost, type HostProcess } from './support/hostProcess';

/** One database of the test's own on the worker's host, and the bridge to it. */
export interface TestDatabase {
  name: string;
  rpcBase: string;
  /** Calls the same bridge the page uses: what the database says, to compare the screen with. */
  call<K extends CallName>(name: K, input: CallInput<K>): Promise<Result<CallOutput<K>>>;
  /** A new login in a Pointkeeper role that may connect to this database, for a profile. */
  createLogin(role: Role): Promise<TestLogin>;
  /** Another console on this database (its own session): where a second browser context's bridge points. */
  seat(): Promise<{ rpcBase: string }>;
  /** The raw profiles.json the Connect screen wrote (null before the first save). */
  profilesFile(): Promise<string | null>;
  /** The host's scripted native dialogs for this database: answer them beforehand, read what was asked. */
  dialogs: {
    /** Queues answers for the next dialogs of a kind: a path, or null for Cancel. */
    answer(kind: DialogKind, ...answers: Array<string | null>): Promise<void>;
    record(): Promise<DesktopRecord>;
  };
  /**
   * Exports a backup to `file` through the bridge, as the Backups screen does: the main process
   * writes only where its save dialog pointed, so the dialog is answered with `file` first.
   */
  exportBackup(file: string, scope: CallInput<'backup.export'>['scope'], jobId: string): Promise<void>;
}

interface TestFixtures {
  /** Whether the test's database starts with the host's demo data (default) or empty. */
  seeded: boolean;
  /** Whether the Connect screen finds a keychain (default) or none, as on Linux without a Secret Service. */
  keychain: boolean;
  database: TestDatabase;
}

interface WorkerFixtures {
  host: HostProcess;
}

/** A request to the host: its token and JSON, as the host requires of every call and control. */
function hostFetch(host: HostProcess, path: string, init: { method?: string; body?: unknown } = {}) {
  return fetch(`${host.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { 'content-type': 'application/json', 'x-pointkeeper-token': host.token },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
}

async function createDatabase(host: HostProcess, seeded: boolean, keychain: boolean): Promise<TestDatabase> {
  const response = await hostFetch(host, '/__host/databases', { method: 'POST', body: { seeded, keychain } });
  if (!response.ok) throw new Error(`the host could not create a database: ${response.status}`);
  const { database, rpcBase } = (await response.json()) as { database: string; rpcBase: string };
  const control = `/__host/databases/${database}`;
  const dialogsUrl = `${control}/dialogs`;
  const db: TestDatabase = {
    name: database,
    rpcBase,
    async call(name, input) {
      const r = await hostFetch(host, `${rpcBase}${name}`, { method: 'POST', body: input });
      return (await r.json()) as never;
    },
    async createLogin(role) {
      const r = await hostFetch(host, `${control}/logins`, { method: 'POST', body: { role } });
      if (!r.ok) throw new Error(`the host could not create a login: ${await r.text()}`);
      return (await r.json()) as TestLogin;
    },
    async seat() {
      const r = await hostFetch(host, `${control}/seats`, { method: 'POST' });
      if (!r.ok) throw new Error(`the host could not open a second console: ${await r.text()}`);
      return (await r.json()) as { rpcBase: string };
    },
    async profilesFile() {
      const r = await hostFetch(host, `${control}/profiles-file`);
      return r.ok ? r.text() : null;
    },
    dialogs: {
      async answer(kind, ...answers) {
        const r = await hostFetch(host, dialogsUrl, { method: 'POST', body: { kind, answers } });
        if (!r.ok) throw new Error(`the host refused the dialog script: ${await r.text()}`);
      },
      async record() {
        return (await (await hostFetch(host, dialogsUrl)).json()) as DesktopRecord;
      },
    },
    async exportBackup(file, scope, jobId) {
      await db.dialogs.answer('saveFile', file);
      await db.call('dialog.saveFile', { title: 'Backup file' });
      const exported = await db.call('backup.export', { scope, path: file, jobId });
      if (!exported.ok) throw new Error(`the backup export failed: ${exported.error.message}`);
    },
  };
  return db;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  // Bruno style: every worker has its own data folder (its own PostgreSQL), every test its own database.
  host: [
    // Playwright reads a fixture's dependencies from its first parameter's pattern: none here.
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const host = await startHost();
      await use(host);
      await host.stop();
    },
    { scope: 'worker', timeout: 180_000 },
  ],
  seeded: [true, { option: true }],
  keychain: [true, { option: true }],
  database: async ({ host, seeded, keychain }, use) => {
    const db = await createDatabase(host, seeded, keychain);
    await use(db);
    await hostFetch(host, `/__host/databases/${db.name}`, { method: 'DELETE' });
  },
  baseURL: async ({ host }, use) => use(host.url),
  page: async ({ page, database, host }, use) => {
    // Installed before any page script runs, as the preload is in Electron.
    await page.addInitScript(installBridge, {
      rpcBase: database.rpcBase,
      callNames: CALL_NAMES,
      token: host.token,
    });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    await use(page);
    expect(problems, 'the renderer logged errors').toEqual([]);
  },
});

export { expect };
