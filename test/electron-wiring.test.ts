import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningApp } from '../src/main/electron/app';
import { CONTENT_SECURITY_POLICY, devServerUrl, isAppUrl } from '../src/main/electron/appUrl';
import { memoryKeychain } from '../src/main/desktop/keychain';
import { CALL_NAMES, channelOf } from '../src/shared/contract';
import { PROGRESS_CHANNEL, type ProgressEvent } from '../src/shared/progress';
import { createTestDb, type TestDb } from './support/db';
import { fake, fakeEvent, type FakeFrame } from './support/fakeElectron';

vi.mock('electron', async () => (await import('./support/fakeElectron')).electronModule);

const REPO = resolve(import.meta.dirname, '..');
const paths = {
  preload: join(REPO, 'out/preload/index.cjs'),
  // A renderer folder of the test's own (set in beforeAll): the unit tests run before any build.
  rendererFile: '',
};
const APP_URL = 'app://pointkeeper/index.html';

let db: TestDb;
let home: string;
let running: RunningApp;

const databaseUrl = ({ user, password, host, port, database }: TestDb['connection']) =>
  `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password ?? '')}@${host}:${port}/${database}`;

function windowOf() {
  const win = fake.BrowserWindow.created.at(-1);
  if (!win) throw new Error('no window was created');
  return win;
}

/** An IPC call as Electron would deliver it, from `frame` of `sender`. */
async function invoke(name: string, input: unknown, frame?: FakeFrame | null, sender?: { id: number }) {
  const handler = fake.ipcMain.handlers.get(channelOf(name as never));
  if (!handler) throw new Error(`no handler for ${name}`);
  const win = windowOf();
  const senderFrame = frame === undefined ? win.webContents.mainFrame : frame;
  return handler({ sender: sender ?? win.webContents, senderFrame }, input) as Promise<{
    ok: boolean;
    data?: unknown;
    error?: { code: string; message: string };
  }>;
}

const directives = (policy: string) =>
  new Map(
    policy
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name!, values.join(' ')]),
  );

beforeAll(async () => {
  db = await createTestDb();
  home = await mkdtemp(join(tmpdir(), 'pk-wiring-'));
  paths.rendererFile = join(home, 'renderer', 'index.html');
  await mkdir(join(home, 'renderer'));
  await copyFile(join(REPO, 'src/renderer/index.html'), paths.rendererFile);
  const { runApp } = await import('../src/main/electron/app');
  const started = await runApp(paths, {
    env: { POINTKEEPER_HOME: home, DATABASE_URL: databaseUrl(db.connection) },
    takeOverSignals: false,
    keychain: memoryKeychain(),
  });
  if (!started) throw new Error('the app did not start');
  running = started;
  await running.ready;
});

afterAll(async () => {
  await running?.connections.close();
  await db?.close();
  await rm(home, { recursive: true, force: true });
});

describe('the window', () => {
  it('is created with the security checklist webPreferences and the built preload', () => {
    expect(fake.BrowserWindow.created).toHaveLength(1);
    const prefs = windowOf().options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      preload: paths.preload,
    });
    expect(windowOf().loaded).toBe(APP_URL);
  });

  it('gets a strict CSP header on every response, and index.html carries the same policy', async () => {
    const listener = fake.session.defaultSession.headersListener;
    expect(listener).not.toBeNull();
    let headers: Record<string, string[]> = {};
    listener!({ responseHeaders: { 'X-Other': ['kept'] } }, (r) => (headers = r.responseHeaders));
    expect(headers['X-Other']).toEqual(['kept']);
    const policy = directives(headers['Content-Security-Policy']![0]!);
    expect(policy.get('default-src')).toBe("'self'");
    expect(policy.get('script-src')).toBe("'self'");
    expect(policy.get('object-src')).toBe("'none'");
    expect(policy.get('frame-ancestors')).toBe("'none'");
    // The meta tag is what file:// pages obey; browsers ignore frame-ancestors there.
    const html = await readFile(join(REPO, 'src/renderer/index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    const expected = directives(CONTENT_SECURITY_POLICY);
    expected.delete('frame-ancestors');
    expect(directives(meta ?? '')).toEqual(expected);
  });

  it('denies every permission request', () => {
    const answers: boolean[] = [];
    fake.session.defaultSession.permissionRequest!(null, 'media', (allow) => answers.push(allow));
    expect(answers).toEqual([false]);
    expect(fake.session.defaultSession.permissionCheck!()).toBe(false);
  });

  it('refuses navigation away from the app and every window.open', () => {
    const contents = windowOf().webContents;
    const away = fakeEvent('https://example.com/');
    contents.emit('will-frame-navigate', away);
    expect(away.defaultPrevented).toBe(true);
    // Not file:// any more, not another host on the app's scheme, not a file: URL naming a host.
    for (const url of [
      `file://${paths.rendererFile}`,
      `file://attacker.example${paths.rendererFile}`,
      'app://attacker.example/index.html',
      'app://pointkeeper.attacker.example/index.html',
    ]) {
      const lookalike = fakeEvent(url);
      contents.emit('will-frame-navigate', lookalike);
      expect(lookalike.defaultPrevented, url).toBe(true);
    }
    const redirect = fakeEvent('http://127.0.0.1:1/');
    contents.emit('will-redirect', redirect);
    expect(redirect.defaultPrevented).toBe(true);
    const home = fakeEvent(`${APP_URL}#/users/1`);
    contents.emit('will-frame-navigate', home);
    expect(home.defaultPrevented).toBe(false);
    const webview = fakeEvent();
    contents.emit('will-attach-webview', webview);
    expect(webview.defaultPrevented).toBe(true);
    for (const url of ['https://example.com/', 'file:///etc/passwd', APP_URL, 'smb://share/x']) {
      expect(contents.windowOpenHandler!({ url })).toEqual({ action: 'deny' });
    }
    // Every window.open is denied, and nothing goes to the system browser either.
    expect(fake.shell.opened).toEqual([]);
  });

  it('loads the app from the privileged app:// scheme, which serves only the built renderer', async () => {
    expect(fake.protocol.privileged).toEqual([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    ]);
    const serve = fake.protocol.handlers.get('app')!;
    const index = await serve(new Request(APP_URL));
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(await index.text()).toContain('<div id="root">');
    for (const url of ['app://pointkeeper/%2e%2e/%2e%2e/package.json', 'app://other/index.html']) {
      expect((await serve(new Request(url))).status, url).toBe(404);
    }
    expect(isAppUrl('app://pointkeeper/index.html#/users/1', APP_URL)).toBe(true);
  });

  it('obeys the dev server URL only when not packaged', () => {
    expect(devServerUrl(false, 'http://localhost:5173')).toBe('http://localhost:5173');
    expect(devServerUrl(true, 'http://attacker.example/')).toBeUndefined();
  });

  it('has an application menu with the edit shortcuts', () => {
    const roles = JSON.stringify(fake.Menu.template);
    expect(roles).toContain('editMenu');
    expect(roles).toContain('quit');
  });
});

describe('IPC', () => {
  it('has exactly one handler per contract call and no other', () => {
    expect([...fake.ipcMain.handlers.keys()].sort()).toEqual(CALL_NAMES.map(channelOf).sort());
  });

  it('answers a call from the app frame through the dispatcher', async () => {
    const r = await invoke('session.whoami', {});
    expect(r.ok).toBe(true);
    expect(r.data).toMatchObject({ database: db.connection.database, role: 'admin' });
  });

  it('refuses calls from another frame, another page or another window before running them', async () => {
    const count = async () =>
      Number(((await db.knex('operations_log').count({ n: '*' }).first()) as { n: number }).n);
    const before = await count();
    const main = windowOf().webContents.mainFrame;
    const earn = { userId: 1, points: 5, description: 'from an iframe' };
    const attempts = [
      invoke('points.earn', earn, { url: APP_URL, parent: main }),
      invoke('points.earn', earn, { url: 'https://attacker.example/', parent: null }),
      invoke('points.earn', earn, null),
      invoke('points.earn', earn, main, { id: -1 }),
    ];
    for (const r of await Promise.all(attempts)) {
      expect(r).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      expect(r.error!.message).toMatch(/did not come from the Pointkeeper window/);
    }
    expect(await count()).toBe(before);
  });
});

describe('native dialogs', () => {
  it('answer dialog.saveFile with the path chosen in a dialog modal to the window', async () => {
    fake.dialog.saveAnswers.push({ canceled: false, filePath: '/home/someone/documents/ledger.pkb' });
    const r = await invoke('dialog.saveFile', { title: 'Save backup', defaultName: 'ledger.pkb' });
    expect(r).toEqual({ ok: true, data: { path: '/home/someone/documents/ledger.pkb' } });
    const asked = fake.dialog.asked.at(-1)!;
    expect(asked.parent).toBe(windowOf());
    expect(asked.options).toMatchObject({
      title: 'Save backup',
      defaultPath: '/home/someone/documents/ledger.pkb',
    });
    expect(await invoke('dialog.saveFile', { title: 'Save backup' })).toEqual({
      ok: true,
      data: { path: null },
    });
  });

  it('show a file chosen in a dialog in its folder; refuse a missing one and one never chosen', async () => {
    const file = join(home, 'window-state-probe.csv');
    const gone = join(home, 'gone.csv');
    fake.dialog.saveAnswers.push({ canceled: false, filePath: file }, { canceled: false, filePath: gone });
    await invoke('dialog.saveFile', { title: 'Save report' });
    await invoke('dialog.saveFile', { title: 'Save report' });
    await writeFile(file, 'x');
    expect(await invoke('shell.showInFolder', { path: file })).toEqual({ ok: true, data: { shown: true } });
    expect(fake.shell.shownInFolder).toEqual([file]);
    const missing = await invoke('shell.showInFolder', { path: gone });
    expect(missing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const other = await invoke('shell.showInFolder', { path: join(home, 'window-state.json') });
    expect(other).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });
});

describe('the preload', () => {
  it('exposes exactly the contract as window.pointkeeper, each call on its own channel', async () => {
    await import('../src/preload/index');
    expect([...fake.exposed.keys()]).toEqual(['pointkeeper']);
    const api = fake.exposed.get('pointkeeper') as {
      calls: Record<string, unknown>;
      onProgress: (listener: (e: unknown) => void) => () => void;
      transport: string;
    };
    expect(Object.keys(api).sort()).toEqual(['calls', 'onProgress', 'transport']);
    expect(api.transport).toBe('electron');
    expect(Object.keys(api.calls).sort()).toEqual([...CALL_NAMES].sort());
    for (const name of CALL_NAMES) {
      const fn = api.calls[name] as (input: unknown) => Promise<unknown>;
      await fn({ probe: name });
      expect(fake.invoked.at(-1)).toEqual({ channel: channelOf(name), input: { probe: name } });
    }
    // Pushed progress reaches the listener as the payload alone, until it unsubscribes.
    const heard: unknown[] = [];
    const off = api.onProgress((e) => heard.push(e));
    fake.ipcRenderer.listeners.emit(PROGRESS_CHANNEL, { sender: 'ipc internals' }, { done: 1 });
    off();
    fake.ipcRenderer.listeners.emit(PROGRESS_CHANNEL, {}, { done: 2 });
    expect(heard).toEqual([{ done: 1 }]);
    expect(fake.ipcRenderer.listeners.listenerCount(PROGRESS_CHANNEL)).toBe(0);
  });
});

describe('pushed progress', () => {
  it("sends a long call's progress events to the calling window, ending with a finished one", async () => {
    const sent = windowOf().webContents.sent;
    sent.length = 0;
    const r = await invoke('demo.generate', { users: 120, transactions: 600 });
    expect(r).toMatchObject({ ok: true });
    const events = sent.filter((s) => s.channel === PROGRESS_CHANNEL).map((s) => s.args[0] as ProgressEvent);
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.every((e) => e.call === 'demo.generate')).toBe(true);
    expect(events.at(-1)).toMatchObject({ finished: true, progress: { done: 120, total: 120 } });
    // A short call pushes nothing.
    sent.length = 0;
    await invoke('session.whoami', {});
    expect(sent).toEqual([]);
  });
});

describe('quitting', () => {
  it('remembers the window bounds when the window closes', async () => {
    windowOf().emit('close');
    await vi.waitFor(async () => {
      const saved = JSON.parse(await readFile(join(home, 'window-state.json'), 'utf8')) as unknown;
      expect(saved).toEqual({ ...windowOf().getNormalBounds(), maximized: false });
    });
  });

  it('waits for the session to close, then quits', async () => {
    expect(running.connections.session).not.toBeNull();
    const quits = fake.app.quitCalls;
    fake.app.quit();
    await vi.waitFor(() => expect(fake.app.quitCalls).toBe(quits + 2));
    expect(running.connections.session).toBeNull();
  });

  it('a second instance opens no window and quits', async () => {
    fake.app.singleInstance = false;
    const { runApp } = await import('../src/main/electron/app');
    const windows = fake.BrowserWindow.created.length;
    const quits = fake.app.quitCalls;
    expect(await runApp(paths, { env: { POINTKEEPER_HOME: home }, takeOverSignals: false })).toBeNull();
    expect(fake.app.quitCalls).toBe(quits + 1);
    expect(fake.BrowserWindow.created).toHaveLength(windows);
  });
});
