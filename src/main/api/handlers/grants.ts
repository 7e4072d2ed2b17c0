import { applyImport } from '../../ledger/grants/apply';
import { checkGrantFile } from '../../ledger/grants/check';
import { getImport, listImports, requestApproval } from '../../ledger/grants/imports';
import { writeGrantResult, writeGrantTemplate } from '../../ledger/grants/result';
import { cancelJob, jobProgress, runJob } from '../jobs';
import type { DomainHandlers } from '../types';

const CSV = ['.csv'];

export const grantsHandlers: DomainHandlers<'grants'> = {
  'grants.check': (ctx, input) =>
    runJob(input.jobId, ctx, (job) =>
      checkGrantFile(ctx.db, input.path, false, { signal: job.signal, onProgress: job.report }),
    ),
  'grants.import': (ctx, input) =>
    runJob(input.jobId, ctx, (job) =>
      checkGrantFile(ctx.db, input.path, true, { signal: job.signal, onProgress: job.report }),
    ),
  'grants.apply': (ctx, input) =>
    runJob(input.jobId, ctx, (job) =>
      applyImport(ctx.db, input.importId, {
        chunkRows: input.chunkRows,
        signal: job.signal,
        onProgress: job.report,
      }),
    ),
  'grants.request': (ctx, input) => requestApproval(ctx.db, input.importId, input.reason),
  'grants.get': (ctx, input) => getImport(ctx.db, input.importId),
  'grants.list': (ctx, input) => listImports(ctx.db, input.limit),
  'grants.result': async (ctx, input) => {
    const path = await ctx.files.forWrite({
      path: input.path,
      what: 'grant result',
      extensions: CSV,
      overwrite: input.overwrite,
    });
    return writeGrantResult(ctx.db, input.importId, path, ctx.signal);
  },
  'grants.template': async (ctx, input) => {
    const path = await ctx.files.forWrite({
      path: input.path,
      what: 'grant template',
      extensions: CSV,
      overwrite: input.overwrite,
    });
    return writeGrantTemplate(path, ctx.signal);
  },
  'grants.progress': (_ctx, input) => Promise.resolve({ job: jobProgress(input.jobId) }),
  'grants.cancel': (_ctx, input) => Promise.resolve({ cancelled: cancelJob(input.jobId) }),
};
