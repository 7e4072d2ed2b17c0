import { watch } from 'node:fs';
import { chmod, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maintenanceClient, startEmbedded } from '../src/main/db/embedded';

let parent: string;
let home: string;

beforeAll(async () => {
  parent = await mkdtemp(join(tmpdir(), 'pointkeeper-embedded-'));
  await chmod(parent, 0o755);
  home = join(parent, 'home');
});
afterAll(async () => {
  await rm(parent, { recursive: true, force: true });
});

async function answers(connection: Parameters<typeof maintenanceClient>[0]): Promise<number> {
  const client = maintenanceClient(connection);
  await client.connect();
  try {
    const r = await client.query('SELECT 1 AS one');
    return (r.rows[0] as { one: number }).one;
  } finally {
    await client.end();
  }
}

describe('the shared local server', () => {
  it('a session ended by the server while idle does not crash the process', async () => {
    const server = await startEmbedded(home);
    try {
      const idle = maintenanceClient(server.connection);
      await idle.connect();
      const pid = ((await idle.query('SELECT pg_backend_pid() AS pid')).rows[0] as { pid: number }).pid;
      const ended = new Promise((resolve) => idle.once('end', resolve));
      const killer = maintenanceClient(server.connection);
      await killer.connect();
      await killer.query('SELECT pg_terminate_backend($1)', [pid]);
      await killer.end();
      await ended;
      // The dead client reports the loss at its next use, as a rejected query.
      await expect(idle.query('SELECT 1')).rejects.toThrow();
    } finally {
      await server.stop();
    }
  });

  it('a process that joins while the last one leaves always ends up on a working server', async () => {
    // Each round races a join against the owner's leaving: the joiner either gets in first (and
    // the owner leaves the server running) or sees the server stop and starts it again.
    for (let round = 0; round < 6; round++) {
      const owner = await startEmbedded(home);
      const [joiner] = await Promise.all([startEmbedded(home), owner.release()]);
      try {
        expect(await answers(joiner.connection)).toBe(1);
      } finally {
        await joiner.release();
      }
    }
  });
});

describe('a new local cluster', () => {
  it('keeps its data folder owner-only and never writes its password file to the shared temp folder', async () => {
    const fresh = join(parent, 'fresh-home');
    const seen: string[] = [];
    const watcher = watch(tmpdir(), (_event, name) => {
      if (name && String(name).startsWith('pg-password-')) seen.push(String(name));
    });
    let server: Awaited<ReturnType<typeof startEmbedded>> | null = null;
    try {
      server = await startEmbedded(fresh);
      expect(await answers(server.connection)).toBe(1);
    } finally {
      watcher.close();
      await server?.stop();
      // As root with an owner-only home, the cluster lives under /var/lib/pointkeeper.
      if (server && !server.dataDir.startsWith(fresh))
        await rm(dirname(server.dataDir), { recursive: true, force: true });
    }
    expect(seen).toEqual([]);
    expect((await stat(fresh)).mode & 0o777).toBe(0o700);
    expect(await readdir(fresh)).not.toContain('.initdb-tmp');
  });
});
