/**
 * Where the renderer lives and whether a URL is it. The built app is served from a privileged
 * custom scheme (app://pointkeeper/), not file://: every file:// URL shares one opaque origin,
 * and a file: URL's host can name another machine (file://attacker.example/… , on Windows a
 * network share). URLs are compared after parsing, scheme and host (with port) both, never with
 * startsWith (which lets `http://localhost:5173.attacker.example` through).
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'pointkeeper';
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** The dev server's URL (ELECTRON_RENDERER_URL) counts only in development, never when packaged. */
export const devServerUrl = (isPackaged: boolean, devUrl: string | undefined): string | undefined =>
  isPackaged ? undefined : devUrl;

export function isAppUrl(url: string, appUrl: string): boolean {
  let candidate: URL;
  let app: URL;
  try {
    candidate = new URL(url);
    app = new URL(appUrl);
  } catch {
    return false;
  }
  if (candidate.protocol !== app.protocol || candidate.host !== app.host) return false;
  // A file: app (no longer used, kept safe): one exact file on this machine.
  if (app.protocol === 'file:') return candidate.host === '' && candidate.pathname === app.pathname;
  return true;
}

/** The Content-Security-Policy of every page the app loads; index.html carries the same as a meta tag. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // The virtualised tables position rows with computed inline styles.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
