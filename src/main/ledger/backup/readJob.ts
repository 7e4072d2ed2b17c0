import { z } from 'zod';
import { BACKUP_TABLES, type BackupTable } from '../../../shared/contract/backup';
import { AppError } from '../../errors';
import type { JobStarter } from '../../workers/protocol';
import { copyLine } from './copyIn';
import { headerSchema, trailerSchema } from './format';
import { readBackup, type ReadSummary } from './reader';

/**
 * The backup reader as a worker job: the file's lines are read, decompressed, hashed, parsed and
 * checked against their tables' schemas in the worker thread, and (when staging) each checked row
 * is turned into COPY text, sent back in batches of one table for the main process to pass to
 * `COPY … FROM STDIN`. The job produces at its own pace but never more than CREDIT batches ahead of
 * what the main process has taken (each send() from it is one batch's credit back), so memory stays
 * flat when the server is the slower side.
 */
const CREDIT = 4;
/** Bytes of COPY text per batch: a few socket writes' worth, a small share of memory. */
const BATCH_BYTES = 256 * 1024;

export const backupReadInit = z.object({ path: z.string().min(1), strict: z.boolean(), stage: z.boolean() });
export type BackupReadInit = z.infer<typeof backupReadInit>;

const counts = z.record(z.enum(BACKUP_TABLES), z.number().int().min(0));
/** What the job sends back, checked by the main process as it arrives. */
export const backupReadOutput = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('header'), header: headerSchema }),
  z.object({
    kind: z.literal('rows'),
    table: z.enum(BACKUP_TABLES),
    rows: z.number().int().positive(),
    data: z.instanceof(Uint8Array),
  }),
  z.object({
    kind: z.literal('end'),
    summary: z.object({
      header: headerSchema,
      counts,
      trailerCounts: counts.nullable(),
      sha256: z.string(),
      expectedSha256: z.string().nullable(),
      signature: trailerSchema.shape.trailer.shape.signature.unwrap().nullable(),
      bytes: z.number(),
      compressed: z.boolean(),
      problem: z.string().nullable(),
    }),
  }),
]);

export const backupReadJob: JobStarter = (rawInit, out) => {
  const parsed = backupReadInit.safeParse(rawInit);
  if (!parsed.success) throw new AppError('INTERNAL', 'The backup reader was started without a file.');
  const init = parsed.data;
  let credit = CREDIT;
  let wake: (() => void) | null = null;
  const send = async (payload: unknown, transfer: ArrayBuffer[] = []) => {
    while (credit <= 0) await new Promise<void>((resolve) => (wake = resolve));
    credit--;
    out.output(payload, transfer);
  };
  let lines: string[] = [];
  let bytes = 0;
  let table: BackupTable = 'users';
  const flush = async () => {
    if (lines.length === 0) return;
    const data = new TextEncoder().encode(lines.join(''));
    const rows = lines.length;
    lines = [];
    bytes = 0;
    await send({ kind: 'rows', table, rows, data }, [data.buffer as ArrayBuffer]);
  };
  const work = (async () => {
    const summary: ReadSummary = await readBackup(init.path, {
      strict: init.strict,
      onHeader: (header) => send({ kind: 'header', header }),
      ...(init.stage
        ? {
            onRow: async (row) => {
              if (row.table !== table) await flush();
              table = row.table;
              const line = copyLine(row);
              lines.push(line);
              bytes += line.length;
              if (bytes >= BATCH_BYTES) await flush();
            },
          }
        : {}),
    });
    await flush();
    await send({ kind: 'end', summary });
  })();
  work.catch((error: unknown) => out.fail(error));
  return {
    input() {
      credit++;
      wake?.();
      return true;
    },
    async end() {
      await work;
      return null;
    },
  };
};
