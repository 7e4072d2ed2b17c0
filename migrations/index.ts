import type { Knex } from 'knex';
import * as schema from './20261125_001_schema';
import * as roles from './20261125_002_roles';
import * as reversals from './20261125_003_reversals';
import * as auditChain from './20261125_004_audit_chain';
import * as auditScans from './20261125_004_audit_scans';
import * as auditScanProgress from './20261125_004_audit_scans_progress';
import * as backupRestore from './20261125_005_backup_restore';
import * as recoveryRuns from './20261125_006_recovery_runs';
import * as userSearch from './20261125_007_user_search';
import * as writeApi from './20261202_100_write_api';
import * as backupSigning from './20261202_150_backup_signing';
import * as approvals from './20261202_200_approvals';
import * as grants from './20261202_210_grants';
import * as expiry from './20261202_300_expiry';
import * as recordedActions from './20261202_400_recorded_actions';
import * as schemaChanges from './20261202_450_schema_changes';
import * as setbasedSync from './20261202_500_setbased_sync';
import * as fastSync from './20261202_610_fast_sync';
import * as setbasedRestore from './20261202_620_setbased_restore';
import * as demoBulk from './20261202_630_demo_bulk';
import * as chainStepPlpgsql from './20261202_640_chain_step_plpgsql';
import * as cheapRowVersions from './20261202_650_cheap_row_versions';
import * as sparseUniqueIndexes from './20261203_660_sparse_unique_indexes';
import * as keyReadOnce from './20261203_670_key_read_once';
import * as demoSealOnePass from './20261203_680_demo_seal_one_pass';
import * as previewTrustsRecords from './20261203_690_preview_trusts_records';
import * as writesKeepRecords from './20261203_700_writes_keep_records';
import * as applyInTwoSessions from './20261203_710_apply_in_two_sessions';
import * as chainBreaksByRange from './20261203_720_chain_breaks_by_range';

/**
 * The migrations in order. Listed statically so that bundled code (the Electron main process)
 * and the CLI load the same set without finding files on disk.
 */
export const MIGRATIONS: ReadonlyArray<readonly [string, Knex.Migration]> = [
  ['20261125_001_schema', schema],
  ['20261125_002_roles', roles],
  ['20261125_003_reversals', reversals],
  ['20261125_004_audit_chain', auditChain],
  ['20261125_004_audit_scans', auditScans],
  ['20261125_004_audit_scans_progress', auditScanProgress],
  ['20261125_005_backup_restore', backupRestore],
  ['20261125_006_recovery_runs', recoveryRuns],
  ['20261125_007_user_search', userSearch],
  ['20261202_100_write_api', writeApi],
  ['20261202_150_backup_signing', backupSigning],
  ['20261202_200_approvals', approvals],
  ['20261202_210_grants', grants],
  ['20261202_300_expiry', expiry],
  ['20261202_400_recorded_actions', recordedActions],
  ['20261202_450_schema_changes', schemaChanges],
  ['20261202_500_setbased_sync', setbasedSync],
  ['20261202_610_fast_sync', fastSync],
  ['20261202_620_setbased_restore', setbasedRestore],
  ['20261202_630_demo_bulk', demoBulk],
  ['20261202_640_chain_step_plpgsql', chainStepPlpgsql],
  ['20261202_650_cheap_row_versions', cheapRowVersions],
  ['20261203_660_sparse_unique_indexes', sparseUniqueIndexes],
  ['20261203_670_key_read_once', keyReadOnce],
  ['20261203_680_demo_seal_one_pass', demoSealOnePass],
  ['20261203_690_preview_trusts_records', previewTrustsRecords],
  ['20261203_700_writes_keep_records', writesKeepRecords],
  ['20261203_710_apply_in_two_sessions', applyInTwoSessions],
  ['20261203_720_chain_breaks_by_range', chainBreaksByRange],
];
