import { useSyncExternalStore } from 'react';

/**
 * A hash route such as `#/users/42?q=ann`: the first segment names the screen, the rest belong
 * to it. Hash routes work the same on file:// (Electron) and http:// (the e2e host).
 */
export interface Route {
  screen: string;
  rest: string[];
  params: URLSearchParams;
}

const ROUTE_CHANGE = 'pointkeeper:route';

export function parseHash(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const [screen = '', ...rest] = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { screen, rest, params: new URLSearchParams(search) };
}

export function hrefOf(segments: Array<string | number>, params?: Record<string, string>): string {
  const path = segments.map((s) => encodeURIComponent(String(s))).join('/');
  const search = new URLSearchParams(Object.entries(params ?? {}).filter(([, v]) => v !== '')).toString();
  return `#/${path}${search ? `?${search}` : ''}`;
}

/** Goes to a route; `replace` rewrites the current history entry (typing must not flood Back). */
export function navigate(href: string, options: { replace?: boolean } = {}): void {
  if (options.replace) {
    history.replaceState(history.state, '', href);
    window.dispatchEvent(new Event(ROUTE_CHANGE)); // replaceState fires no hashchange
  } else {
    window.location.hash = href;
  }
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  window.addEventListener(ROUTE_CHANGE, onChange);
  return () => {
    window.removeEventListener('hashchange', onChange);
    window.removeEventListener(ROUTE_CHANGE, onChange);
  };
}

const currentHash = () => window.location.hash;

/** The current route; re-renders on every change. Parsed per render: routes are tiny. */
export function useRoute(): Route {
  return parseHash(useSyncExternalStore(subscribe, currentHash));
}
