import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import type { Knex } from 'knex';
import { BACKUP_TABLES, type BackupTable } from '../../src/shared/contract/backup';

/** Every row of every backed-up table as an md5 of its full text, by id: "identical row for row". */
export async function rowHashes(
  knex: Knex,
  where: Partial<Record<BackupTable, string>> = {},
): Promise<Record<string, string[]>> {
  return knex.transaction(async (trx) => {
    await trx.raw(`SET LOCAL TimeZone = 'UTC'`);
    const out: Record<string, string[]> = {};
    for (const table of BACKUP_TABLES) {
      const r = (await trx.raw(
        `SELECT id || ':' || md5(t::text) AS h FROM ?? t WHERE ${where[table] ?? 'true'} ORDER BY id`,
        [table],
      )) as { rows: Array<{ h: string }> };
      out[table] = r.rows.map((x) => x.h);
    }
    return out;
  });
}

/** The disaster: every points table emptied, append-only triggers and all (superuser only). */
export async function wipe(knex: Knex): Promise<void> {
  await knex.transaction(async (trx) => {
    await trx.raw('ALTER TABLE points_transactions DISABLE TRIGGER USER');
    await trx.raw(`TRUNCATE ${BACKUP_TABLES.join(', ')} RESTART IDENTITY CASCADE`);
    await trx.raw('ALTER TABLE points_transactions ENABLE TRIGGER USER');
  });
}

export interface FileLines {
  lines: string[];
  /** Writes the lines back with a trailer whose counts and checksum match them (a forger's file). */
  resealTo(path: string): Promise<void>;
}

/** A backup's lines without the trailer, to be altered and written back, sealed or not. */
export async function openLines(path: string): Promise<FileLines> {
  const all = (await readFile(path, 'utf8')).split('\n').filter((l) => l !== '');
  const lines = all.slice(0, -1);
  return {
    lines,
    async resealTo(out) {
      const counts = Object.fromEntries(BACKUP_TABLES.map((t) => [t, 0])) as Record<string, number>;
      let table = '';
      for (const l of lines.slice(1)) {
        const parsed = JSON.parse(l) as { section?: string };
        if (parsed.section) table = parsed.section;
        else counts[table]!++;
      }
      const content = lines.map((l) => `${l}\n`).join('');
      const sha256 = createHash('sha256').update(content).digest('hex');
      await writeFile(out, `${content}${JSON.stringify({ trailer: { counts, sha256 } })}\n`);
    },
  };
}

/** Index of the first row line of a table's section. */
export function firstRow(lines: string[], table: BackupTable): number {
  return lines.indexOf(JSON.stringify({ section: table })) + 1;
}

/** A version-2 row line as an object of its columns' text, by the header's column list. */
export function rowObject(lines: string[], table: BackupTable, i: number): Record<string, string | null> {
  const header = JSON.parse(lines[0]!) as { tables: Array<{ name: string; columns: string[] }> };
  const columns = header.tables.find((t) => t.name === table)!.columns;
  const values = JSON.parse(lines[i]!) as Array<string | null>;
  return Object.fromEntries(columns.map((c, k) => [c, values[k] ?? null]));
}

/** The object back as a version-2 row line: values in the header's column order, extra keys after. */
export function rowLine(lines: string[], table: BackupTable, row: Record<string, unknown>): string {
  const header = JSON.parse(lines[0]!) as { tables: Array<{ name: string; columns: string[] }> };
  const columns = header.tables.find((t) => t.name === table)!.columns;
  const extra = Object.keys(row).filter((k) => !columns.includes(k));
  return JSON.stringify([...columns, ...extra].map((c) => row[c]));
}
