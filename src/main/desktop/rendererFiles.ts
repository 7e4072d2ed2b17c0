import { readFile } from 'node:fs/promises';
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

/** The file of the built renderer a URL path names, or null when the path leaves the folder. */
export function rendererFile(rendererDir: string, urlPath: string): string | null {
  const wanted = urlPath === '/' ? '/index.html' : decodeURIComponent(urlPath);
  const file = resolve(join(rendererDir, wanted));
  const inside = relative(rendererDir, file);
  return inside === '' || inside.startsWith('..') ? null : file;
}

/** A renderer file's bytes and content type, or null when it cannot be read. */
export async function readRendererFile(file: string): Promise<{ body: Buffer; type: string } | null> {
  try {
    return { body: await readFile(file), type: TYPES[extname(file)] ?? 'application/octet-stream' };
  } catch {
    return null;
  }
}
