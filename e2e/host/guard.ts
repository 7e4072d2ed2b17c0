import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The header every bridge and test-control request carries. */
export const TOKEN_HEADER = 'x-pointkeeper-token';

/** A new random token per host run: whoever has it may drive the host. */
export const newToken = () => randomBytes(32).toString('base64url');

export type Refusal = { status: 403 | 415; error: string } | null;

const sameToken = (given: string, token: string) => {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
};

/** The names this host answers to: a rebinding DNS name pointing at 127.0.0.1 is not one of them. */
export function hostAllowed(req: IncomingMessage, port: number): boolean {
  const host = req.headers.host ?? '';
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

/**
 * Why a request that drives the host (a call, test control) is refused, or null. A web page in
 * the developer's browser can send requests to 127.0.0.1 but cannot read the token out of the
 * page this host served, cannot make a cross-origin request with application/json or a custom
 * header without a preflight this host never answers, and its Origin gives it away.
 */
export function refuse(req: IncomingMessage, port: number, token: string): Refusal {
  if (!hostAllowed(req, port)) return { status: 403, error: 'unknown Host' };
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`)
    return { status: 403, error: 'foreign Origin' };
  const given = req.headers[TOKEN_HEADER];
  if (typeof given !== 'string' || !sameToken(given, token))
    return { status: 403, error: 'missing or wrong token' };
  if (req.method !== 'GET' && req.method !== 'DELETE') {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') return { status: 415, error: 'expected application/json' };
  }
  return null;
}
