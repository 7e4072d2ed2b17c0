import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { app, ipcMain, Menu, session as electronSession, type BrowserWindow } from 'electron';
import { handlers } from '../api/handlers/index';
import { createLocalHandlers } from '../api/local';
import { createDispatcher, type Dispatcher } from '../api/registry';
import { openSession } from '../db/session';
import { cliHome, resolveTarget } from '../db/target';
import { Connections } from '../desktop/connections';
import { DialogGrants } from '../desktop/fileGate';
import { keytarKeychain, type Keychain } from '../desktop/keychain';
import { ProfilesService } from '../desktop/profiles';
import { ProfilesStore } from '../desktop/profilesStore';
import { logger, logToFile } from '../logger';
import { registerCalls } from './ipc';
import { quitCleanly } from './lifecycle';
import { menuTemplate } from './menu';
import { isTrustedSender, secureSession } from './security';
import { electronDesktop } from './dialogs';
import { createMainWindow } from './window';
import { APP_URL, devServerUrl } from './appUrl';
import { registerAppScheme, serveRenderer } from './scheme';

export interface AppPaths {
  preload: string;
  /** The built renderer's index.html. */
  rendererFile: string;
  /** electron-vite's dev server (ELECTRON_RENDERER_URL), when running `npm run dev`. */
  devUrl?: string | undefined;
}

export interface RunningApp {
  home: string;
  connections: Connections;
  profiles: ProfilesService;
  dispatch: Dispatcher;
  /** Settles when the connection made at start succeeded or failed. */
  ready: Promise<void>;
  window(): BrowserWindow | null;
}

/**
 * The desktop shell: one instance, one secured window, every contract call on IPC through the
 * one dispatcher. The app shares its data folder with the CLI (POINTKEEPER_HOME, default
 * ~/.pointkeeper), so both use the same embedded database and the same profiles.
 */
export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Take SIGINT/SIGTERM/SIGHUP over (the real app does; a test inside a runner must not). */
  takeOverSignals?: boolean;
  /** The OS keychain through keytar unless given (tests give one in memory). */
  keychain?: Keychain;
}

export async function runApp(paths: AppPaths, options: RunOptions = {}): Promise<RunningApp | null> {
  const env = options.env ?? process.env;
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return null;
  }
  const home = cliHome(env);
  await mkdir(home, { recursive: true, mode: 0o700 });
  // Raw database errors (which may hold SQL) are kept here, never shown: see README, Security.
  logToFile(join(home, 'logs'));
  app.setPath('userData', join(home, 'electron'));
  const connections = new Connections();
  let win: BrowserWindow | null = null;
  const profiles = new ProfilesService({
    home,
    store: new ProfilesStore(home),
    keychain: options.keychain ?? keytarKeychain(),
    connections,
    log: (line) => logger.info(line),
  });
  // The window writes files only where this process's own save dialog pointed.
  const grants = new DialogGrants(home);
  const local = createLocalHandlers({ desktop: grants.wrap(electronDesktop(() => win)), profiles });
  const dispatch = createDispatcher(handlers, () => connections.session, local, grants.gate());
  quitCleanly(app, () => connections.close(), options.takeOverSignals === false ? null : process);
  app.on('second-instance', () => {
    if (win?.isMinimized()) win.restore();
    win?.focus();
  });
  app.on('window-all-closed', () => app.quit());

  // The dev server's URL is obeyed only in development: a packaged app ignores
  // ELECTRON_RENDERER_URL (it would load, trust for IPC and open DevTools on any URL).
  const devUrl = devServerUrl(app.isPackaged, paths.devUrl);
  if (!devUrl) registerAppScheme();
  await app.whenReady();
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(process.platform, Boolean(devUrl))));
  secureSession(electronSession.defaultSession);
  if (!devUrl) serveRenderer(dirname(paths.rendererFile));
  const appUrl = devUrl ?? APP_URL;
  const started = connectAtStart(profiles, home, env);
  registerCalls(
    ipcMain,
    async (name, input, options) => {
      // A call made while the app connects at start waits for that connection.
      await started;
      await connections.settled();
      return dispatch(name, input, options);
    },
    (event) => win !== null && isTrustedSender(event, win.webContents, appUrl),
  );
  win = await createMainWindow({
    home,
    preload: paths.preload,
    appUrl,
    load: (w) => w.loadURL(appUrl),
  });
  win.on('closed', () => {
    win = null;
  });
  return { home, connections, profiles, dispatch, ready: started, window: () => win };
}

/** DATABASE_URL wins, as for the CLI; otherwise the last profile (see ProfilesService.resume). */
async function connectAtStart(
  profiles: ProfilesService,
  home: string,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const target = resolveTarget(home, env);
  if (target.kind === 'embedded') return profiles.resume();
  try {
    await profiles.adopt(await openSession(target, { log: (line) => logger.info(line) }));
  } catch (error) {
    logger.error('could not open DATABASE_URL', { error: String(error) });
  }
}
