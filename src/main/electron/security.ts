import type { IpcMainInvokeEvent, Session, WebContents } from 'electron';
import { logger } from '../logger';
import { CONTENT_SECURITY_POLICY, isAppUrl } from './appUrl';

/** The CSP as a header too (the dev server is http://; file:// pages rely on the meta tag), no permissions. */
export function secureSession(session: Session): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    });
  });
  // Camera, notifications, clipboard-read, geolocation…: the console needs none of them.
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

/** The page may not go anywhere but the app, open windows, or embed webviews. */
export function secureContents(contents: WebContents, appUrl: string): void {
  const stayHome = (event: { url: string; preventDefault(): void }) => {
    if (isAppUrl(event.url, appUrl)) return;
    event.preventDefault();
    logger.warn('navigation refused', { url: event.url });
  };
  contents.on('will-frame-navigate', stayHome);
  contents.on('will-redirect', stayHome);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  // The app has no external links and never opens a second window: every window.open is denied,
  // and nothing is handed to the system browser either.
  contents.setWindowOpenHandler(({ url }) => {
    logger.warn('window.open refused', { url });
    return { action: 'deny' };
  });
}

/** Whether an IPC call comes from the app's own page in its own window: its main frame, at the app's URL. */
export function isTrustedSender(event: IpcMainInvokeEvent, app: WebContents, appUrl: string): boolean {
  const frame = event.senderFrame;
  if (!frame || event.sender.id !== app.id) return false;
  return frame.parent === null && isAppUrl(frame.url, appUrl);
}
