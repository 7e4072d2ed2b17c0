import type { CallName } from '../../shared/contract';

/**
 * Contract calls the command line has no command for, each with the reason. Every other call
 * is a command: test/cli-calls.test.ts fails when a call is neither (a new call needs one or
 * the other).
 */
export const SCREEN_ONLY: Partial<Record<CallName, string>> = {
  'audit.cancelScan': 'Ctrl-C cancels the scan the command started',
  'recovery.run': 'the command waits for its run and prints the outcome',
  'backup.progress': 'the command draws its own progress bar from the pushed events',
  'backup.cancel': 'Ctrl-C cancels the export, restore or verify the command started',
  'dialog.saveFile': 'native dialog; the command line takes paths as arguments',
  'dialog.openFile': 'native dialog; the command line takes paths as arguments',
  'shell.showInFolder': 'desktop file manager',
  'profiles.list': 'profiles are managed in the app; the command line takes --profile <name>',
  'profiles.save': 'profiles are managed in the app (passwords go to the OS keychain there)',
  'profiles.delete': 'profiles are managed in the app',
  'profiles.test': 'profiles are managed in the app',
  'connection.connect': 'each command connects for itself (--profile, DATABASE_URL)',
  'connection.disconnect': 'each command disconnects when it ends',
  'connection.lock': 'a window lock; a command holds no session between runs',
  'connection.setIdleLock': 'a window setting',
  'approvals.waitingCount':
    'the sidebar badge; `approvals list --view waiting` lists the requests themselves',
  'grants.progress': 'the command draws its own progress bar from the pushed events',
  'grants.cancel': 'Ctrl-C stops the apply after its current chunk; `grants resume` finishes it',
  'session.readFrom': 'each command chooses with --replica / --no-replica',
  'expiry.byMonth': '`expiry report --out` writes the same figures to a CSV or PDF file',
};
