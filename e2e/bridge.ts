import type { PointkeeperApi, PointkeeperCalls } from '../src/shared/api';

export interface BridgeSettings {
  /** URL path the calls are POSTed under, ending in `/`: `<rpcBase><call name>`. */
  rpcBase: string;
  /** CALL_NAMES from the contract, passed in because this function runs in the page. */
  callNames: readonly string[];
  /**
   * The host's per-run token; null in browse mode, where the page the host served carries it in a
   * `<meta name="pointkeeper-bridge-token">` tag.
   */
  token: string | null;
}

/**
 * Installs `window.pointkeeper` over HTTP: the same shape the preload exposes, transport
 * 'bridge'. It runs in the browser (Playwright's addInitScript, or the host's bridge script),
 * so it must be self-contained: no imports at run time, nothing from the enclosing module.
 */
export function installBridge({ rpcBase, callNames, token }: BridgeSettings): void {
  const secret =
    token ??
    (
      globalThis as unknown as {
        document: { querySelector(s: string): { getAttribute(n: string): string | null } | null };
      }
    ).document
      .querySelector('meta[name="pointkeeper-bridge-token"]')
      ?.getAttribute('content') ??
    '';
  const calls: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const name of callNames) {
    calls[name] = async (input) => {
      const response = await fetch(`${rpcBase}${name}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-pointkeeper-token': secret },
        body: JSON.stringify(input ?? {}),
      });
      if (!response.ok) throw new Error(`bridge answered ${response.status} for ${name}`);
      return response.json() as Promise<unknown>;
    };
  }
  const api = {
    calls: Object.freeze(calls) as unknown as PointkeeperCalls,
    transport: 'bridge',
  } satisfies PointkeeperApi;
  // Like contextBridge.exposeInMainWorld: read-only, not replaceable by page code.
  Object.defineProperty(globalThis, 'pointkeeper', { value: Object.freeze(api), enumerable: true });
}
