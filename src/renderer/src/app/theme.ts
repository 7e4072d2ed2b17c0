import { useSyncExternalStore } from 'react';

/** "system" follows the OS (prefers-color-scheme); the others pin a theme for this console. */
export type ThemeChoice = 'system' | 'light' | 'dark';
const KEY = 'pointkeeper.theme';
const listeners = new Set<() => void>();

function read(): ThemeChoice {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system'; // storage may be unavailable (a locked-down profile): the OS decides
  }
}

/** Sets data-theme on <html>; the tokens in app.css do the rest. */
export function applyTheme(choice: ThemeChoice = read()): void {
  const root = document.documentElement;
  if (choice === 'system') root.removeAttribute('data-theme');
  else root.setAttribute('data-theme', choice);
}

export function setTheme(choice: ThemeChoice): void {
  try {
    if (choice === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, choice);
  } catch {
    // Not remembered, still applied for this session.
  }
  applyTheme(choice);
  for (const l of listeners) l();
}

export function useTheme(): ThemeChoice {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => (document.documentElement.getAttribute('data-theme') as ThemeChoice | null) ?? 'system',
  );
}

/** Served by `npm run browse`: the renderer in a plain browser says it is a preview. */
export function isBrowserPreview(): boolean {
  return (
    document.querySelector('meta[name="pointkeeper-mode"]')?.getAttribute('content') === 'browser-preview'
  );
}
