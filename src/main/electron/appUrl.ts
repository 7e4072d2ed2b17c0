/**
 * Where the renderer lives and whether a URL is it. Origins are compared after parsing, never
 * with startsWith (which lets `http://localhost:5173.attacker.example` through); a file:// app
 * is one exact file, since every file:// URL shares the opaque "null" origin.
 */
export function isAppUrl(url: string, appUrl: string): boolean {
  let candidate: URL;
  let app: URL;
  try {
    candidate = new URL(url);
    app = new URL(appUrl);
  } catch {
    return false;
  }
  if (app.protocol === 'file:') return candidate.protocol === 'file:' && candidate.pathname === app.pathname;
  return candidate.origin === app.origin;
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
