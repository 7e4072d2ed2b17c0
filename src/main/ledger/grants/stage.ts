import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import type { Knex } from 'knex';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { GrantProblem } from '../../../shared/contract/grants';
import { AppError } from '../../errors';
import { derivedKey, readGrantCsv, type CsvGrantRow, type CsvRead } from './csvFile';

/** The session's copy of a file's rows, as text: the database judges them (pointkeeper_grants_problems). */
export const STAGE_TABLE = 'pk_grant_stage';

/** COPY's text format: backslash, tab, newline and carriage return escaped. */
const field = (text: string) => text.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!);
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const copyLine = (r: CsvGrantRow, sha256: string) =>
  `${r.line}\t${field(r.user)}\t${field(r.points)}\t${field(r.description)}\t${field(r.type)}\t${field(r.orderId)}\t${field(r.key || derivedKey(sha256, r.line))}\n`;

/** The file's SHA-256, read once before parsing: rows without a key get one derived from it. */
async function fileSha256(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { signal }) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

export interface StageOptions {
  signal?: AbortSignal;
  onRows?: (rows: number) => void;
}

/**
 * Reads the file into pg_temp.pk_grant_stage with one COPY, streaming (the read waits when the
 * server falls behind). Rows without a key get one derived from the file's hash and their line.
 * `trx` must be a transaction: the table goes with it.
 */
export async function stageFile(
  trx: Knex.Transaction,
  path: string,
  options: StageOptions = {},
): Promise<CsvRead> {
  await trx.raw(`CREATE TEMP TABLE ${STAGE_TABLE} (line integer PRIMARY KEY, user_ref text NOT NULL,
    points_text text NOT NULL, description text NOT NULL, type text NOT NULL, order_ref text NOT NULL,
    key text NOT NULL) ON COMMIT DROP`);
  // A transaction's client hands out its one bound connection and never releases it.
  const sha256 = await fileSha256(path, options.signal);
  const connection = (await trx.client.acquireConnection()) as PoolClient;
  const copy = connection.query(copyFrom(`COPY ${STAGE_TABLE} FROM STDIN`));
  const finished = once(copy, 'finish');
  let staged = 0;
  let read: CsvRead;
  try {
    read = await readGrantCsv(
      path,
      async (rows) => {
        staged += rows.length;
        options.onRows?.(staged);
        if (!copy.write(rows.map((r) => copyLine(r, sha256)).join(''))) await once(copy, 'drain');
      },
      options.signal,
    );
    copy.end();
    await finished;
  } catch (error) {
    // CopyFail: the server ends the COPY and the transaction rolls back with nothing kept.
    copy.destroy(error instanceof Error ? error : new Error(String(error)));
    await finished.catch(() => undefined);
    throw error;
  }
  if (read.sha256 !== sha256)
    throw new AppError('CONFLICT', `${path} changed while it was being read: check it again.`);
  // Temporary tables are never analysed automatically: the checks' joins need the row count.
  await trx.raw(`ANALYZE ${STAGE_TABLE}`);
  // The definer functions run as their owner: it reads the caller's staged rows. Asked of the
  // function itself, so a database cloned without its own roles yet still works.
  const { rows } = (await trx.raw(
    `SELECT proowner::regrole::text AS owner FROM pg_proc WHERE oid = 'pointkeeper_grants_stage(uuid, text, text)'::regprocedure`,
  )) as { rows: Array<{ owner: string }> };
  await trx.raw(`GRANT SELECT ON ${STAGE_TABLE} TO ${rows[0]!.owner}`);
  return read;
}

/** Every problem the database finds in the staged rows, by line (up to `limit`), and their number. */
export async function stagedProblems(
  trx: Knex,
  limit: number,
): Promise<{ problems: GrantProblem[]; count: number }> {
  const { rows } = (await trx.raw(
    `SELECT line, problem, count(*) OVER () AS total FROM pointkeeper_grants_problems(?) ORDER BY line LIMIT ?`,
    [1_000_000, limit],
  )) as { rows: Array<{ line: number; problem: string; total: number }> };
  return { problems: rows.map(({ line, problem }) => ({ line, problem })), count: rows[0]?.total ?? 0 };
}
