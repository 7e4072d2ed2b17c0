import { shell } from 'electron';

/**
 * The only door to the system browser. Lint bans shell.openExternal elsewhere because a
 * `file:`, `smb:` or custom-scheme URL handed to it can run programs on the user's machine.
 */
export async function safeOpenExternal(url: string): Promise<boolean> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return false;
  await shell.openExternal(parsed.href);
  return true;
}
