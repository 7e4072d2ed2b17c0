import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ProgressEvent } from '../../src/shared/progress';

/**
 * The bridge's pushed events: each page keeps one server-sent-events stream per database open,
 * and every progress event of a call on that database is written to each of them. One request
 * per page, not one per update, as webContents.send is for Electron.
 */
export class EventStreams {
  private readonly streams = new Map<string, Set<ServerResponse>>();

  /** Holds `res` open as an event stream of `database` until the page goes away. */
  follow(database: string, req: IncomingMessage, res: ServerResponse): void {
    const set = this.streams.get(database) ?? new Set<ServerResponse>();
    this.streams.set(database, set);
    set.add(res);
    req.on('close', () => set.delete(res));
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    // A comment line: flushes the headers, so the page knows the stream is open.
    res.write(': open\n\n');
  }

  publish(database: string, event: ProgressEvent): void {
    const frame = `event: progress\ndata: ${JSON.stringify(event)}\n\n`;
    for (const res of this.streams.get(database) ?? []) res.write(frame);
  }
}
