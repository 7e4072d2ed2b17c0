import { readFile } from 'node:fs/promises';
import { extname, join, relative, resolve } from 'node:path';
import { protocol } from 'electron';
import { APP_HOST, APP_SCHEME, CONTENT_SECURITY_POLICY } from './appUrl';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/**
 * app:// is a standard, secure scheme: pages on it get a real origin (app://pointkeeper), so
 * 'self' in the CSP means the app's own files and nothing else on the disk. Must run before the
 * app is ready.
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/** The file of the built renderer a request names, or null (another host, a path that leaves it). */
export function rendererFileOf(url: string, rendererDir: string): string | null {
  const parsed = new URL(url);
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return null;
  const wanted = parsed.pathname === '/' ? '/index.html' : decodeURIComponent(parsed.pathname);
  const file = resolve(join(rendererDir, wanted));
  const inside = relative(rendererDir, file);
  return inside === '' || inside.startsWith('..') ? null : file;
}

/** Serves the built renderer on app://pointkeeper/, with the CSP as a header (after ready). */
export function serveRenderer(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = rendererFileOf(request.url, rendererDir);
    if (!file) return new Response('Not found', { status: 404 });
    try {
      const body = await readFile(file);
      return new Response(body, {
        headers: {
          'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
          'content-security-policy': CONTENT_SECURITY_POLICY,
        },
      });
    } catch {
      return new Response('Not found', { status: 404 });
    }
  });
}
