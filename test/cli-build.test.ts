import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
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
});
