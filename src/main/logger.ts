import { appendFileSync, chmodSync, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The one logger: structured lines on stderr, so CLI output on stdout stays machine-readable,
 * and, once a host calls logToFile (the desktop app does), in a rotated owner-only file too.
 * Raw database messages (which may hold SQL) go only here, never to a person's screen.
 */
type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Level[] = ['debug', 'info', 'warn', 'error'];
const threshold = (): number => {
  const wanted = process.env.POINTKEEPER_LOG as Level | undefined;
  return ORDER.indexOf(wanted && ORDER.includes(wanted) ? wanted : 'warn');
};

export const LOG_FILE = 'pointkeeper.log';
/** One file grows to this, then becomes .1 (and .1 → .2 …); the oldest beyond KEEP is dropped. */
const MAX_BYTES = 1 << 20;
const KEEP = 3;
let file: string | null = null;

/** Also write every line to `<dir>/pointkeeper.log` (0600 in a 0700 folder), rotated at 1 MB. */
export function logToFile(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  file = join(dir, LOG_FILE);
  return file;
}

function rotate(path: string): void {
  for (let i = KEEP - 1; i >= 1; i--) {
    if (existsSync(`${path}.${i}`)) renameSync(`${path}.${i}`, `${path}.${i + 1}`);
  }
  renameSync(path, `${path}.1`);
}

function toFile(text: string): void {
  if (!file) return;
  try {
    if (existsSync(file) && statSync(file).size + text.length > MAX_BYTES) rotate(file);
    appendFileSync(file, text, { mode: 0o600 });
    chmodSync(file, 0o600);
  } catch {
    // A log that cannot be written must not take a call down with it; stderr still has the line.
  }
}

function write(level: Level, message: string, fields?: Record<string, unknown>): void {
  if (ORDER.indexOf(level) < threshold()) return;
  const text = `${JSON.stringify({ at: new Date().toISOString(), level, message, ...fields })}\n`;
  process.stderr.write(text);
  toFile(text);
}

export const logger = {
  debug: (m: string, f?: Record<string, unknown>) => write('debug', m, f),
  info: (m: string, f?: Record<string, unknown>) => write('info', m, f),
  warn: (m: string, f?: Record<string, unknown>) => write('warn', m, f),
  error: (m: string, f?: Record<string, unknown>) => write('error', m, f),
};
