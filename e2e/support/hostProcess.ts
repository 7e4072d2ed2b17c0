import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

const REPO = resolve(import.meta.dirname, '../..');
const START_TIMEOUT_MS = 120_000;

export interface HostProcess {
  url: string;
  /** The host's per-run token (x-pointkeeper-token). */
  token: string;
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((ok) => {
    if (child.exitCode !== null || child.signalCode !== null) ok();
    else child.once('exit', () => ok());
  });
}

/**
 * Starts e2e/host.ts (under tsx, as a person would) and waits for its ready line. The host
 * stops its PostgreSQL on SIGTERM, and also when our end of its stdin closes, so a crashed
 * test runner leaves nothing running.
 */
export async function startHost(): Promise<HostProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'e2e/host.ts', '--exit-with-stdin'], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const ready = new Promise<{ url: string; token: string }>((ok, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`the test host did not start:\n${stderr}`)),
      START_TIMEOUT_MS,
    );
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      ok(JSON.parse(line) as { url: string; token: string });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`the test host exited (${code}) before it was ready:\n${stderr}`));
    });
  });
  const stop = async () => {
    child.kill('SIGTERM');
    await exited(child);
  };
  try {
    return { ...(await ready), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
