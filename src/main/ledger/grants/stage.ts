import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Knex } from 'knex';
import type { GrantProblem } from '../../../shared/contract/grants';
import { copyFrom } from '../../db/copyFrom';
import { copyField } from '../../db/copyText';
import { AppError } from '../../errors';
import { derivedKey, readGrantCsv, type CsvGrantRow, type CsvRead } from './csvFile';

/** The session's copy of a file's rows, as text: the database judges them (pointkeeper_grants_problems). */
export const STAGE_TABLE = 'pk_grant_stage';

const copyLine = (r: CsvGrantRow, sha256: string) =>
  `${r.line}\t${copyField(r.user)}\t${copyField(r.points)}\t${copyField(r.description)}\t${copyField(r.type)}\t${copyField(r.orderId)}\t${copyField(r.key || derivedKey(sha256, r.line))}\n`;

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
  const sha256 = await fileSha256(path, options.signal);
  let staged = 0;
  const read = await copyFrom(trx, `COPY ${STAGE_TABLE} FROM STDIN`, (write) =>
    readGrantCsv(
      path,
      async (rows) => {
        staged += rows.length;
        options.onRows?.(staged);
        await write(rows.map((r) => copyLine(r, sha256)).join(''));
      },
      options.signal,
    ),
  );
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
