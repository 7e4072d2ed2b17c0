import { BrowserWindow, screen } from 'electron';
import { logger } from '../logger';
import { secureContents } from './security';
import { readWindowState, visibleOn, writeWindowState } from './windowState';

export interface WindowOptions {
  home: string;
  preload: string;
  appUrl: string;
  /** Loads the renderer: loadFile for the build, loadURL for the dev server. */
  load(win: BrowserWindow): Promise<void>;
}

/** The one window: secured before anything loads, placed where it was last closed. */
export async function createMainWindow(options: WindowOptions): Promise<BrowserWindow> {
  const saved = await readWindowState(options.home);
  const displays = screen.getAllDisplays().map((d) => d.workArea);
  const place = saved && visibleOn(saved, displays) ? saved : null;
  const win = new BrowserWindow({
    width: place?.width ?? 1280,
    height: place?.height ?? 820,
    ...(place ? { x: place.x, y: place.y } : {}),
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Pointkeeper',
    backgroundColor: '#f6f7f9',
    // Electron's security checklist, written out here (not built by a helper) so that static
    // checkers such as Electronegativity see each setting: nothing of Node reaches the page.
    webPreferences: {
      preload: options.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      // A middle click could open a link in a new window: the app opens none.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  secureContents(win.webContents, options.appUrl);
  if (saved?.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());
  win.on('close', () => {
    const bounds = win.getNormalBounds();
    writeWindowState(options.home, { ...bounds, maximized: win.isMaximized() }).catch((error: unknown) =>
      logger.warn('could not remember the window position', { error: String(error) }),
    );
  });
  await options.load(win);
  return win;
}
