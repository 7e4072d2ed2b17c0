import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, relative, resolve } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/** Serves the built renderer; a path that leaves the folder is refused, not resolved. */
export async function serveStatic(root: string, urlPath: string, res: ServerResponse): Promise<void> {
  const wanted = urlPath === '/' ? '/index.html' : decodeURIComponent(urlPath);
  const file = resolve(join(root, wanted));
  const inside = relative(root, file);
  if (inside.startsWith('..') || inside === '') {
    res.writeHead(403).end();
    return;
  }
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
  }
}
