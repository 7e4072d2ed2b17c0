import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, ipcMain, Menu, session as electronSession, type BrowserWindow } from 'electron';
import { handlers } from '../api/handlers/index';
import { createLocalHandlers } from '../api/local';
import { createDispatcher, type Dispatcher } from '../api/registry';
import { openSession } from '../db/session';
import { cliHome, resolveTarget } from '../db/target';
import { Connections } from '../desktop/connections';
import { logger } from '../logger';
import { registerCalls } from './ipc';
import { quitCleanly } from './lifecycle';
import { menuTemplate } from './menu';
import { isTrustedSender, secureSession } from './security';
import { electronDesktop } from './dialogs';
import { createMainWindow } from './window';

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
  dispatch: Dispatcher;
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
}

export async function runApp(paths: AppPaths, options: RunOptions = {}): Promise<RunningApp | null> {
  const env = options.env ?? process.env;
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return null;
  }
  const home = cliHome(env);
  await mkdir(home, { recursive: true, mode: 0o700 });
  app.setPath('userData', join(home, 'electron'));
  const connections = new Connections();
  let win: BrowserWindow | null = null;
  const local = createLocalHandlers({ desktop: electronDesktop(() => win) });
  const dispatch = createDispatcher(handlers, () => connections.session, local);
  quitCleanly(app, () => connections.close(), options.takeOverSignals === false ? null : process);
  app.on('second-instance', () => {
    if (win?.isMinimized()) win.restore();
    win?.focus();
  });
  app.on('window-all-closed', () => app.quit());

  await app.whenReady();
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(process.platform, Boolean(paths.devUrl))));
  secureSession(electronSession.defaultSession);
  const appUrl = paths.devUrl ?? pathToFileURL(paths.rendererFile).href;
  registerCalls(
    ipcMain,
    async (name, input, options) => {
      await connections.settled(); // a call made while connecting waits for the connection
      return dispatch(name, input, options);
    },
    (event) => win !== null && isTrustedSender(event, win.webContents, appUrl),
  );
  connections
    .replace(() => openSession(resolveTarget(home, env), { log: (line) => logger.info(line) }))
    .catch((error: unknown) => logger.error('could not open the database', { error: String(error) }));
  win = await createMainWindow({
    home,
    preload: paths.preload,
    appUrl,
    load: (w) => (paths.devUrl ? w.loadURL(paths.devUrl) : w.loadFile(paths.rendererFile)),
  });
  win.on('closed', () => {
    win = null;
  });
  return { home, connections, dispatch, window: () => win };
}
