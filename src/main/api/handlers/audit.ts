import { auditUser } from '../../ledger/audit/user';
import { scanResults } from '../../ledger/audit/results';
import { cancelScan, listScans, runScan } from '../../ledger/audit/scan';
import { balanceAt, statement } from '../../ledger/audit/statement';
import { exportReport } from '../../reports/export';
import type { DomainHandlers } from '../types';

export const auditHandlers: DomainHandlers<'audit'> = {
  'audit.user': ({ db, session }, input) => auditUser(db, input, session.whoami.role),
  'audit.scan': ({ db, reads, progress, signal }, input) => runScan(db, input, progress, signal, reads),
  'audit.cancelScan': ({ db }, input) => cancelScan(db, input.scanId),
  'audit.scans': ({ db }, input) => listScans(db, input.limit),
  'audit.scanResults': ({ db }, input) => scanResults(db, input),
  'audit.statement': ({ db }, input) => statement(db, input),
  'audit.balanceAt': ({ db }, input) => balanceAt(db, input),
};

export const reportHandlers: DomainHandlers<'report'> = {
  'report.export': async ({ reads, session, files }, input) => {
    const path = await files.forWrite({
      path: input.path,
      what: 'report',
      extensions: [`.${input.format}`],
      overwrite: input.overwrite,
    });
    // An action: `db` is the primary (for its log row); the report reads where it is routed.
    return exportReport(reads, session.whoami, { ...input, path });
  },
};
