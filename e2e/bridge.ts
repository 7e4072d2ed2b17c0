import type { PointkeeperApi, PointkeeperCalls } from '../src/shared/api';
import type { ProgressEvent, ProgressListener } from '../src/shared/progress';

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
  // Progress is pushed: one server-sent-events stream per page (read with fetch, which can carry
  // the token header EventSource cannot), opened at once so a call's first events are not lost
  // while it connects, and reopened a few times if the host drops it.
  const listeners = new Set<ProgressListener>();
  const eventsUrl = rpcBase.replace(/rpc\/$/, 'events');
  // Members, not named consts: the host serves this function's source (installBridge.toString()),
  // and a transpiler that keeps function names would wrap a named const in a helper the page lacks.
  const stream: {
    deliver?: (block: string) => void;
    follow?: (attempt: number) => Promise<void>;
    subscribe?: (listener: ProgressListener) => () => void;
  } = {};
  stream.deliver = (block) => {
    const data = block
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trim())
      .join('\n');
    if (data === '') return;
    const event = JSON.parse(data) as ProgressEvent;
    for (const listener of listeners) listener(event);
  };
  stream.follow = async (attempt) => {
    try {
      const response = await fetch(eventsUrl, {
        headers: { accept: 'text/event-stream', 'x-pointkeeper-token': secret },
      });
      if (!response.ok || !response.body) throw new Error(`events: ${response.status}`);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
          stream.deliver!(buffer.slice(0, cut));
          buffer = buffer.slice(cut + 2);
        }
      }
    } catch {
      // Reopened below; the calls themselves do not depend on the stream.
    }
    if (attempt < 5) setTimeout(() => void stream.follow!(attempt + 1), 500 * (attempt + 1));
  };
  void stream.follow(0);
  stream.subscribe = (listener) => {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  };
  const api = {
    calls: Object.freeze(calls) as unknown as PointkeeperCalls,
    onProgress: stream.subscribe,
    transport: 'bridge',
  } satisfies PointkeeperApi;
  // Like contextBridge.exposeInMainWorld: read-only, not replaceable by page code.
  Object.defineProperty(globalThis, 'pointkeeper', { value: Object.freeze(api), enumerable: true });
}
