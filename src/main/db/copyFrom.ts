import { once } from 'node:events';
import type { Knex } from 'knex';
import type { PoolClient } from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';

/** Writes COPY text; resolves once the server has taken it (waits while it lags). */
export type CopyWrite = (text: string) => Promise<void>;

/**
 * One `COPY … FROM STDIN` on the transaction's connection, fed by `fill`. Ends the COPY when
 * `fill` returns; when it throws, the COPY is failed (CopyFail: the server keeps nothing and the
 * transaction rolls back) and the error is the caller's. `trx` must be a transaction: a
 * transaction's client hands out its one bound connection and never releases it.
 */
export async function copyFrom<T>(
  trx: Knex.Transaction,
  sql: string,
  fill: (write: CopyWrite) => Promise<T>,
): Promise<T> {
  const connection = (await trx.client.acquireConnection()) as PoolClient;
  const copy = connection.query(copyFromStdin(sql));
  const finished = once(copy, 'finish');
  try {
    const result = await fill(async (text) => {
      if (!copy.write(text)) await once(copy, 'drain');
    });
    copy.end();
    await finished;
    return result;
  } catch (error) {
    copy.destroy(error instanceof Error ? error : new Error(String(error)));
    await finished.catch(() => undefined);
    throw error;
  }
}
