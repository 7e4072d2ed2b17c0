import { protocol } from 'electron';
import { readRendererFile, rendererFile } from '../desktop/rendererFiles';
import { APP_HOST, APP_SCHEME, CONTENT_SECURITY_POLICY } from './appUrl';

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
  return rendererFile(rendererDir, parsed.pathname);
}

/** Serves the built renderer on app://pointkeeper/, with the CSP as a header (after ready). */
export function serveRenderer(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = rendererFileOf(request.url, rendererDir);
    if (!file) return new Response('Not found', { status: 404 });
    const found = await readRendererFile(file);
    if (!found) return new Response('Not found', { status: 404 });
    return new Response(found.body, {
      headers: { 'content-type': found.type, 'content-security-policy': CONTENT_SECURITY_POLICY },
    });
  });
}
