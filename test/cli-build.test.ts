import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { build } from 'vite';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '..');
// Beside out/cli, so the built file finds package.json the same two folders up.
const outDir = join(REPO, 'out', `cli-test-${process.pid}`);
afterAll(() => rm(outDir, { recursive: true, force: true }));

describe('the built command line', () => {
  it('runs as plain JavaScript with node: no TypeScript loader at run time', async () => {
    await build({ configFile: resolve(REPO, 'cli.vite.config.ts'), logLevel: 'silent', build: { outDir } });
    const entry = join(outDir, 'index.js');
    const code = await readFile(entry, 'utf8');
    expect(code).not.toMatch(/from ["']tsx/);
    const { version } = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string };
    const { stdout } = await promisify(execFile)(process.execPath, [entry, '--version'], { cwd: REPO });
    expect(stdout.trim()).toBe(version);
    const help = await promisify(execFile)(process.execPath, [entry, '--help'], { cwd: REPO });
    expect(help.stdout).toMatch(/redemptions/);
  }, 180_000);

  it('ships the worker threads’ entry beside it, and the entry runs a job as plain JavaScript', async () => {
    const worker = new Worker(join(outDir, 'pointkeeper-worker.js'));
    const messages: unknown[] = [];
    const done = new Promise<unknown>((resolve, reject) => {
      worker.on('message', (m: { type: string; result?: unknown }) => {
        messages.push(m);
        if (m.type === 'done') resolve(m.result);
      });
      worker.on('error', reject);
    });
    worker.postMessage({ type: 'start', job: 'probe', init: { failAt: 'never' } });
    worker.postMessage({ type: 'input', seq: 1, payload: 40 });
    worker.postMessage({ type: 'input', seq: 2, payload: 2 });
    worker.postMessage({ type: 'end' });
    expect(await done).toEqual({ sum: 42 });
    expect(messages[0]).toEqual({ type: 'ack', seq: 1, more: true });
    await worker.terminate();
  }, 60_000);
});
