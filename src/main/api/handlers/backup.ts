import { exportBackup } from '../../ledger/backup/export';
import { inspectBackup } from '../../ledger/backup/inspect';
import { applyRestore, planRestore } from '../../ledger/backup/restore';
import { verifyBackup } from '../../ledger/backup/verify';
import { cancelJob, jobProgress, runJob } from '../jobs';
import type { CallContext, DomainHandlers } from '../types';

const BACKUP_EXTENSIONS = ['.ndjson', '.ndjson.gz'];

/** Who and where a backup comes from, as its header records it: the server its snapshot was read on. */
const sourceOf = ({ session, db, reads }: CallContext) => ({
  createdBy: session.whoami.login,
  server: reads !== db && session.replica ? session.replica.server : session.whoami.server,
  database: session.whoami.database,
  serverVersion: session.whoami.serverVersion,
});

export const backupHandlers: DomainHandlers<'backup'> = {
  'backup.export': async (ctx, input) => {
    const path = await ctx.files.forWrite({
      path: input.path,
      what: 'backup',
      extensions: BACKUP_EXTENSIONS,
      overwrite: input.overwrite,
    });
    return runJob(input.jobId, ctx, (job) =>
      exportBackup(ctx.reads, ctx.db, { ...input, path }, sourceOf(ctx), {
        signal: job.signal,
        onProgress: job.report,
      }),
    );
  },
  'backup.inspect': (ctx, input) => inspectBackup(input.path, ctx.signal),
  'backup.restore.plan': (ctx, input) =>
    runJob(input.jobId, ctx, (job) =>
      planRestore(ctx.db, input, { signal: job.signal, onProgress: job.report }),
    ),
  'backup.restore.apply': async (ctx, input) => {
    const safetyDir = await ctx.files.safetyFolder(input.safetyDir);
    return runJob(input.jobId, ctx, (job) =>
      applyRestore(ctx.db, { ...input, safetyDir }, sourceOf(ctx), {
        signal: job.signal,
        onProgress: job.report,
      }),
    );
  },
  'backup.verify': (ctx, input) =>
    runJob(input.jobId, ctx, (job) =>
      verifyBackup(ctx.db, input.path, {
        signal: job.signal,
        onProgress: job.report,
      }),
    ),
  'backup.progress': (_ctx, input) => Promise.resolve({ job: jobProgress(input.jobId) }),
  'backup.cancel': (_ctx, input) => Promise.resolve({ cancelled: cancelJob(input.jobId) }),
};
