import { createWriteStream } from 'node:fs';
import { z } from 'zod';
import { AppError } from '../errors';
import { csvSink } from './csv';
import type { ReportHead } from './model';
import { pdfSink } from './pdf';

/**
 * The report worker's job: it renders rows the main process reads from the database into the
 * partial file the main process opened (its descriptor is shared by every thread of the process).
 * The main process keeps the file's life — create, move into place, remove on failure; the worker
 * only writes, so PDF layout and CSV quoting never hold up the main event loop.
 */
const cell = z.union([z.string(), z.number(), z.null()]);
const pair = z.tuple([z.string(), z.string()]);
export const reportJobInit = z.object({
  format: z.enum(['csv', 'pdf']),
  fd: z.number().int().nonnegative(),
  head: z.object({
    title: z.string(),
    meta: z.array(pair),
    totals: z.array(pair),
    columns: z
      .array(
        z.object({
          key: z.string(),
          label: z.string(),
          width: z.number().positive(),
          align: z.enum(['left', 'right']).optional(),
        }),
      )
      .min(1),
    pdfRowLimit: z.number().int().nonnegative(),
  }),
});
export type ReportJobInit = z.infer<typeof reportJobInit>;
const rowsInput = z.array(z.record(z.string(), cell));

export async function startReportJob(init: unknown) {
  const parsed = reportJobInit.safeParse(init);
  if (!parsed.success) throw new AppError('VALIDATION', `The report worker got no valid report to render.`);
  const { format, fd, head } = parsed.data;
  // Not closed here: the main process owns the descriptor and closes it after the worker is done.
  const out = createWriteStream('', { fd, autoClose: false, highWaterMark: 1 << 20 });
  const sink = format === 'csv' ? csvSink(head as ReportHead, out) : await pdfSink(head as ReportHead, out);
  return {
    input: async (payload: unknown) => {
      const rows = rowsInput.safeParse(payload);
      if (!rows.success) throw new AppError('VALIDATION', 'The report worker got rows that are not a table.');
      return sink.add(rows.data);
    },
    end: async () => ({ rows: await sink.finish() }),
  };
}
