import { EventEmitter } from 'node:events';

/**
 * A stand-in for the `electron` module (no Electron binary can run here): just enough of app,
 * BrowserWindow, ipcMain, session and the preload's modules for the wiring test to drive the real
 * main-process and preload code and look at what they asked Electron to do.
 */
export interface FakeEvent {
  url: string;
  defaultPrevented: boolean;
  preventDefault(): void;
}

export const fakeEvent = (url = ''): FakeEvent => ({
  url,
  defaultPrevented: false,
  preventDefault() {
    this.defaultPrevented = true;
  },
});

export interface FakeFrame {
  url: string;
  parent: FakeFrame | null;
}

let nextId = 1;

class FakeWebContents extends EventEmitter {
  readonly id = nextId++;
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  mainFrame: FakeFrame = { url: '', parent: null };
  /** What the main process pushed to this window (webContents.send), in order. */
  readonly sent: Array<{ channel: string; args: unknown[] }> = [];
  destroyed = false;
  send(channel: string, ...args: unknown[]) {
    this.sent.push({ channel, args });
  }
  isDestroyed() {
    return this.destroyed;
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
    this.windowOpenHandler = handler;
  }
}

class FakeBrowserWindow extends EventEmitter {
  static created: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  loaded: string | null = null;
  maximized = false;
  constructor(readonly options: Record<string, unknown>) {
    super();
    FakeBrowserWindow.created.push(this);
  }
  async loadFile(file: string) {
    this.loaded = `file://${file}`;
    this.webContents.mainFrame = { url: this.loaded, parent: null };
    this.emit('ready-to-show');
  }
  async loadURL(url: string) {
    this.loaded = url;
    this.webContents.mainFrame = { url, parent: null };
    this.emit('ready-to-show');
  }
  show() {}
  focus() {}
  restore() {}
  maximize() {
    this.maximized = true;
  }
  isMaximized() {
    return this.maximized;
  }
  isMinimized() {
    return false;
  }
  getNormalBounds() {
    return { x: 10, y: 20, width: 1200, height: 800 };
  }
}

type InvokeHandler = (event: unknown, input: unknown) => Promise<unknown>;

class FakeIpcMain {
  readonly handlers = new Map<string, InvokeHandler>();
  handle(channel: string, handler: InvokeHandler) {
    // As Electron does: a second handler for a channel is an error.
    if (this.handlers.has(channel))
      throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  }
}

class FakeDialog {
  /** The next answers, as Electron's dialogs resolve them. */
  readonly saveAnswers: Array<{ canceled: boolean; filePath?: string }> = [];
  readonly asked: Array<{ parent: unknown; options: Record<string, unknown> }> = [];
  async showSaveDialog(parent: unknown, options?: Record<string, unknown>) {
    this.asked.push(
      options ? { parent, options } : { parent: null, options: parent as Record<string, unknown> },
    );
    return this.saveAnswers.shift() ?? { canceled: true };
  }
  async showOpenDialog(parent: unknown, options?: Record<string, unknown>) {
    this.asked.push(
      options ? { parent, options } : { parent: null, options: parent as Record<string, unknown> },
    );
    return { canceled: true, filePaths: [] };
  }
}

class FakeProtocol {
  privileged: Array<{ scheme: string; privileges: Record<string, boolean> }> = [];
  readonly handlers = new Map<string, (request: Request) => Promise<Response>>();
  registerSchemesAsPrivileged(schemes: Array<{ scheme: string; privileges: Record<string, boolean> }>) {
    this.privileged.push(...schemes);
  }
  handle(scheme: string, handler: (request: Request) => Promise<Response>) {
    // As Electron does: a scheme is handled once.
    if (this.handlers.has(scheme)) throw new Error(`the scheme ${scheme} is already handled`);
    this.handlers.set(scheme, handler);
  }
}

class FakeApp extends EventEmitter {
  singleInstance = true;
  isPackaged = false;
  quitCalls = 0;
  readonly paths = new Map<string, string>();
  requestSingleInstanceLock() {
    return this.singleInstance;
  }
  quit() {
    this.quitCalls++;
    const event = fakeEvent();
    this.emit('before-quit', event);
  }
  whenReady() {
    return Promise.resolve();
  }
  setPath(name: string, value: string) {
    this.paths.set(name, value);
  }
  getPath(name: string) {
    return this.paths.get(name) ?? `/home/someone/${name}`;
  }
}

type HeadersListener = (
  details: { responseHeaders?: Record<string, string[]> },
  callback: (response: { responseHeaders: Record<string, string[]> }) => void,
) => void;

type PermissionRequest = (contents: unknown, permission: string, callback: (allow: boolean) => void) => void;

class FakeSession {
  headersListener: HeadersListener | null = null;
  permissionRequest: PermissionRequest | null = null;
  permissionCheck: (() => boolean) | null = null;
  readonly webRequest = {
    onHeadersReceived: (listener: HeadersListener) => {
      this.headersListener = listener;
    },
  };
  setPermissionRequestHandler(handler: PermissionRequest) {
    this.permissionRequest = handler;
  }
  setPermissionCheckHandler(handler: () => boolean) {
    this.permissionCheck = handler;
  }
}

const defaultSession = new FakeSession();

const exposed = new Map<string, unknown>();
const invoked: Array<{ channel: string; input: unknown }> = [];

export const fake = {
  app: new FakeApp(),
  ipcMain: new FakeIpcMain(),
  BrowserWindow: FakeBrowserWindow,
  session: { defaultSession },
  Menu: {
    template: null as unknown,
    buildFromTemplate: (template: unknown) => template,
    setApplicationMenu(menu: unknown) {
      fake.Menu.template = menu;
    },
  },
  screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
  dialog: new FakeDialog(),
  protocol: new FakeProtocol(),
  shell: {
    opened: [] as string[],
    shownInFolder: [] as string[],
    openExternal: async (url: string) => void fake.shell.opened.push(url),
    showItemInFolder: (path: string) => void fake.shell.shownInFolder.push(path),
  },
  contextBridge: {
    exposeInMainWorld(key: string, api: unknown) {
      if (exposed.has(key)) throw new Error(`${key} is already exposed`);
      exposed.set(key, api);
    },
  },
  ipcRenderer: {
    invoke: async (channel: string, input: unknown) => {
      invoked.push({ channel, input });
      return { ok: true, data: null };
    },
    /** The preload's listeners, as ipcRenderer.on keeps them (emit delivers a push from main). */
    listeners: new EventEmitter(),
    on(channel: string, listener: (...args: unknown[]) => void) {
      fake.ipcRenderer.listeners.on(channel, listener);
      return fake.ipcRenderer;
    },
    removeListener(channel: string, listener: (...args: unknown[]) => void) {
      fake.ipcRenderer.listeners.removeListener(channel, listener);
      return fake.ipcRenderer;
    },
  },
  exposed,
  invoked,
};

/** The module object vi.mock('electron') returns. */
export const electronModule = {
  app: fake.app,
  ipcMain: fake.ipcMain,
  BrowserWindow: fake.BrowserWindow,
  session: fake.session,
  Menu: fake.Menu,
  screen: fake.screen,
  shell: fake.shell,
  dialog: fake.dialog,
  protocol: fake.protocol,
  contextBridge: fake.contextBridge,
  ipcRenderer: fake.ipcRenderer,
};
