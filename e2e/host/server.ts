import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROFILES_FILE } from '../../src/main/desktop/profilesStore';
import { CALL_NAMES } from '../../src/shared/contract';
import { fail, type Result } from '../../src/shared/result';
import { installBridge } from '../bridge';
import type { Databases } from './databases';
import { EventStreams } from './events';
import { hostAllowed, newToken, refuse } from './guard';
import { serveStatic } from './staticFiles';

export interface HostOptions {
  port: number;
  /** The database `POST /rpc/<call>` reaches. */
  defaultDatabase: string;
  /** Serve index.html with the bridge script in it, for a person using a plain browser. */
  browse: boolean;
}

interface Ctx extends HostOptions {
  dbs: Databases;
  renderer: string;
  /** The per-run secret every call and test-control request must carry (see guard.ts). */
  token: string;
  /** The bound port, for the Host and Origin checks. */
  bound: number;
  events: EventStreams;
}

const MAX_BODY_BYTES = 1_000_000;

/** Where a test's calls go: `POST /db/<database>/rpc/<call>`. */
export const rpcBase = (database: string) => `/db/${database}/rpc/`;

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? {} : (JSON.parse(text) as unknown);
}

const sendJson = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

/** The loopback bridge: the same dispatcher the IPC handlers use, over HTTP instead of IPC. */
async function rpc(
  dbs: Databases,
  events: EventStreams,
  database: string,
  call: string,
  req: IncomingMessage,
  res: ServerResponse,
) {
  const dispatch = dbs.dispatcher(database);
  if (!dispatch) return sendJson(res, 404, { error: `no database ${database} on this host` });
  let input: unknown;
  try {
    input = await readJson(req);
  } catch {
    return sendJson(res, 200, fail('VALIDATION', 'The request body is not valid JSON.'));
  }
  const result: Result<unknown> = await dispatch(decodeURIComponent(call), input, {
    onEvent: (event) => events.publish(database, event),
  });
  sendJson(res, 200, result);
}

/** Test control: a fresh database per test (`POST`), dropped when the test ends (`DELETE`). */
async function control(dbs: Databases, req: IncomingMessage, res: ServerResponse, name?: string) {
  if (req.method === 'POST' && !name) {
    const { seeded, keychain } = (await readJson(req)) as { seeded?: boolean; keychain?: boolean };
    const database = await dbs.clone({ seeded: seeded !== false, keychain: keychain !== false });
    return sendJson(res, 201, { database, rpcBase: rpcBase(database) });
  }
  if (req.method === 'DELETE' && name) return sendJson(res, (await dbs.drop(name)) ? 200 : 404, {});
  sendJson(res, 405, {});
}

/** Test control of the scripted dialogs: `POST {kind, answers}` queues answers, `GET` reads the record. */
async function dialogs(dbs: Databases, name: string, req: IncomingMessage, res: ServerResponse) {
  const desktop = dbs.desktop(name);
  if (!desktop) return sendJson(res, 404, { error: `no database ${name} on this host` });
  if (req.method === 'GET') return sendJson(res, 200, desktop.record);
  if (req.method !== 'POST') return sendJson(res, 405, {});
  const body = (await readJson(req)) as { kind?: unknown; answers?: unknown };
  const answers = Array.isArray(body.answers) ? body.answers : [];
  if (
    (body.kind !== 'saveFile' && body.kind !== 'openFile') ||
    !answers.every((a) => a === null || typeof a === 'string')
  ) {
    return sendJson(res, 400, { error: 'expected {kind: "saveFile"|"openFile", answers: (string|null)[]}' });
  }
  desktop.script(body.kind, answers as Array<string | null>);
  sendJson(res, 200, {});
}

/** Test control: a login in a Pointkeeper role for the Connect screen (`POST {role}`). */
async function logins(dbs: Databases, name: string, req: IncomingMessage, res: ServerResponse) {
  const { role } = (await readJson(req)) as { role?: unknown };
  if (role !== 'auditor' && role !== 'operator' && role !== 'admin')
    return sendJson(res, 400, { error: 'expected {role: "auditor"|"operator"|"admin"}' });
  const login = await dbs.createLogin(name, role);
  return login
    ? sendJson(res, 201, login)
    : sendJson(res, 404, { error: `no database ${name} on this host` });
}

/** Test control: the raw profiles.json of a database's Connect screen (404 before the first save). */
async function profilesFile(dbs: Databases, name: string, res: ServerResponse) {
  const home = dbs.profilesHome(name);
  if (!home) return sendJson(res, 404, { error: `no database ${name} on this host` });
  const text = await readFile(join(home, PROFILES_FILE), 'utf8').catch(() => null);
  if (text === null) return res.writeHead(404).end();
  res.writeHead(200, { 'content-type': 'application/json' }).end(text);
}

/**
 * The same installer the Playwright fixture uses, as a same-origin script (the CSP allows 'self').
 * It holds no secret: it reads the token from the page this host served, which another origin
 * cannot read (a page that included this script would find no token in its own document).
 */
const bridgeScript = () =>
  `(${installBridge.toString()})(${JSON.stringify({ rpcBase: '/rpc/', callNames: CALL_NAMES, token: null })});`;

async function browseIndex(ctx: Ctx, res: ServerResponse) {
  const html = await readFile(join(ctx.renderer, 'index.html'), 'utf8');
  // The token lets the page's bridge call this host; the mode makes the renderer say it is a
  // browser preview of the desktop app.
  const tag =
    `<meta name="pointkeeper-bridge-token" content="${ctx.token}">` +
    '<meta name="pointkeeper-mode" content="browser-preview" /><script src="./__host/bridge.js"></script>';
  res
    .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    .end(html.replace('</head>', `${tag}</head>`));
}

async function route(ctx: Ctx, req: IncomingMessage, res: ServerResponse) {
  const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
  if (!hostAllowed(req, ctx.bound)) return sendJson(res, 403, { error: 'unknown Host' });
  const eventsMatch = req.method === 'GET' ? /^(?:\/db\/([a-z0-9_]+))?\/events$/.exec(path) : null;
  if (req.method === 'GET' && !eventsMatch && !path.startsWith('/__host/databases'))
    return serveFile(ctx, path, res);
  const refusal = refuse(req, ctx.bound, ctx.token);
  if (refusal) return sendJson(res, refusal.status, { error: refusal.error });
  if (eventsMatch) return ctx.events.follow(eventsMatch[1] ?? ctx.defaultDatabase, req, res);
  if (req.method === 'POST') {
    const rpcMatch = /^(?:\/db\/([a-z0-9_]+))?\/rpc\/([A-Za-z0-9_.]+)$/.exec(path);
    if (rpcMatch) return rpc(ctx.dbs, ctx.events, rpcMatch[1] ?? ctx.defaultDatabase, rpcMatch[2]!, req, res);
  }
  const loginsMatch = /^\/__host\/databases\/([a-z0-9_]+)\/logins$/.exec(path);
  if (loginsMatch && req.method === 'POST') return logins(ctx.dbs, loginsMatch[1]!, req, res);
  const seatsMatch = /^\/__host\/databases\/([a-z0-9_]+)\/seats$/.exec(path);
  if (seatsMatch && req.method === 'POST') {
    const seat = await ctx.dbs.seat(seatsMatch[1]!);
    return seat
      ? sendJson(res, 201, { database: seat, rpcBase: rpcBase(seat) })
      : sendJson(res, 404, { error: `no database ${seatsMatch[1]} on this host` });
  }
  const profilesMatch = /^\/__host\/databases\/([a-z0-9_]+)\/profiles-file$/.exec(path);
  if (profilesMatch && req.method === 'GET') return profilesFile(ctx.dbs, profilesMatch[1]!, res);
  const dialogsMatch = /^\/__host\/databases\/([a-z0-9_]+)\/dialogs$/.exec(path);
  if (dialogsMatch) return dialogs(ctx.dbs, dialogsMatch[1]!, req, res);
  const controlMatch = /^\/__host\/databases(?:\/([a-z0-9_]+))?$/.exec(path);
  if (controlMatch) return control(ctx.dbs, req, res, controlMatch[1]);
  return res.writeHead(405).end();
}

/** The renderer's files: what any page could load from a web server anyway. */
function serveFile(ctx: Ctx, path: string, res: ServerResponse) {
  if (ctx.browse && path === '/__host/bridge.js') {
    return res.writeHead(200, { 'content-type': 'text/javascript' }).end(bridgeScript());
  }
  if (ctx.browse && (path === '/' || path === '/index.html')) return browseIndex(ctx, res);
  return serveStatic(ctx.renderer, path, res);
}

/**
 * Listens on 127.0.0.1 only (on a free port unless told); resolves with the base URL and the
 * run's token, which only the pages this host serves (browse mode) and its starter get.
 */
export async function listen(
  dbs: Databases,
  renderer: string,
  options: HostOptions,
): Promise<{ server: Server; url: string; token: string }> {
  const ctx: Ctx = { ...options, dbs, renderer, token: newToken(), bound: 0, events: new EventStreams() };
  const server = createServer((req, res) => {
    route(ctx, req, res).catch((error: unknown) => {
      process.stderr.write(`host: ${String(error)}\n`);
      if (!res.headersSent) sendJson(res, 500, { error: 'host error' });
    });
  });
  await new Promise<void>((ok) => server.listen(options.port, '127.0.0.1', ok));
  const { port: bound } = server.address() as AddressInfo;
  ctx.bound = bound;
  return { server, url: `http://127.0.0.1:${bound}`, token: ctx.token };
}
