import type { Knex } from 'knex';
import { z } from 'zod';
import type { OperationEntry, Page, ParsedInput } from '../../shared/contract';
import { decodeCursor, encodeCursor } from './cursor';
import { iso } from './dates';

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The operations log newest first, paged by id (ids only grow, so the page order is stable). */
export async function listOperations(
  db: Knex,
  input: ParsedInput<'operations.list'>,
): Promise<Page<OperationEntry>> {
  const q = db('operations_log')
    .orderBy('id', 'desc')
    .limit(input.limit + 1);
  if (input.actionPrefix) q.whereRaw('action LIKE ?', [`${escapeLike(input.actionPrefix)}%`]);
  if (input.actor) q.where({ actor: input.actor });
  if (input.outcome) q.where({ outcome: input.outcome });
  if (input.from) q.where('at', '>=', input.from);
  if (input.to) q.where('at', '<=', input.to);
  if (input.cursor !== null) q.where('id', '<', decodeCursor(input.cursor, z.tuple([z.number().int()]))[0]);
  const rows = await q;
  const items = rows.slice(0, input.limit);
  const last = items.at(-1);
  return {
    items: items.map((r) => ({
      id: r.id,
      at: iso(r.at),
      actor: r.actor,
      action: r.action,
      input: r.input,
      outcome: r.outcome,
      errorCode: r.error_code,
      result: r.result,
    })),
    nextCursor: rows.length > input.limit && last ? encodeCursor([last.id]) : null,
  };
}
