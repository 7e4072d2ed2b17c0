import type { ServerResponse } from 'node:http';
import { readRendererFile, rendererFile } from '../../src/main/desktop/rendererFiles';

/** Serves the built renderer; a path that leaves the folder is refused, not resolved. */
export async function serveStatic(root: string, urlPath: string, res: ServerResponse): Promise<void> {
  const file = rendererFile(root, urlPath);
  if (!file) {
    res.writeHead(403).end();
    return;
  }
  const found = await readRendererFile(file);
  if (found) res.writeHead(200, { 'content-type': found.type }).end(found.body);
  else res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
}
