import { mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// The partial file's random part, made predictable so the test can plant a link where it goes.
vi.mock('node:crypto', async (original) => ({
  ...(await original<typeof Crypto>()),
  randomBytes: (n: number) => Buffer.alloc(n, 0xab),
}));
const { writeAtomically } = await import('../src/main/reports/file');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pk-partial-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('a report’s partial file', () => {
  it('is created exclusively: a symbolic link planted at its name is never followed', async () => {
    const victim = join(dir, 'authorized_keys');
    await writeFile(victim, 'ssh-ed25519 AAAA owner\n');
    const partial = join(dir, `.report.csv.${'ab'.repeat(6)}.partial`);
    await symlink(victim, partial);
    await expect(
      writeAtomically(join(dir, 'report.csv'), async (out) => {
        out.write('attacker,text\n');
      }),
    ).rejects.toThrow(/EEXIST|exists/);
    expect(await readFile(victim, 'utf8')).toBe('ssh-ed25519 AAAA owner\n');
    expect((await readdir(dir)).sort()).toEqual([`.report.csv.${'ab'.repeat(6)}.partial`, 'authorized_keys']);
  });
});
