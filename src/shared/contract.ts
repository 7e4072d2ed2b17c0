import type { z } from 'zod';
import { channelName } from './channels';
import { auditCalls } from './contract/audit';
import type { CallDef } from './contract/define';
import { backupCalls } from './contract/backup';
import { demoCalls } from './contract/demo';
import { grantsCalls } from './contract/grants';
import { desktopCalls } from './contract/desktop';
import { profilesCalls } from './contract/profiles';
import { operationsCalls } from './contract/operations';
import { pointsCalls } from './contract/points';
import { recoveryCalls } from './contract/recovery';
import { sessionCalls } from './contract/session';
import { usersCalls } from './contract/users';
import { verifyCalls } from './contract/verify';
import { approvalsCalls } from './contract/approvals';
import { expiryCalls } from './contract/expiry';

/**
 * Every call the console knows, once. The preload, the renderer hooks, the registry, the CLI
 * and the e2e bridge are all derived from this object; the key is the call's name and its IPC
 * channel is `channelOf(name)`.
 */
export const contract = {
  ...sessionCalls,
  ...usersCalls,
  ...demoCalls,
  ...pointsCalls,
  ...operationsCalls,
  ...auditCalls,
  ...verifyCalls,
  ...recoveryCalls,
  ...backupCalls,
  ...desktopCalls,
  ...profilesCalls,
  ...approvalsCalls,
  ...grantsCalls,
  ...expiryCalls,
} satisfies Record<string, CallDef>;

export type Contract = typeof contract;
export type CallName = keyof Contract;
export type CallInput<K extends CallName> = z.input<Contract[K]['input']>;
export type ParsedInput<K extends CallName> = z.output<Contract[K]['input']>;
export type CallOutput<K extends CallName> = NonNullable<Contract[K]['_output']>;

export const CALL_NAMES = Object.keys(contract) as CallName[];

/** The long calls: those that declare pushed progress events (`emits: 'progress'`). */
export type ProgressCallName = {
  [K in CallName]: Contract[K] extends { emits: 'progress' } ? K : never;
}[CallName];

export function emitsProgress(name: CallName): name is ProgressCallName {
  return (contract[name] as { emits?: string }).emits === 'progress';
}

export function isCallName(name: string): name is CallName {
  return Object.hasOwn(contract, name);
}

export function channelOf(name: CallName): string {
  return channelName(name);
}

export type { Role } from './roles';
export type * from './contract/session';
export type * from './contract/users';
export type * from './contract/demo';
export type * from './contract/points';
export type * from './contract/operations';
export type * from './contract/audit';
export type * from './contract/verify';
export type * from './contract/recovery';
export type * from './contract/backup';
export type * from './contract/desktop';
export type * from './contract/profiles';
export type * from './contract/approvals';
export type * from './contract/grants';
export type * from './contract/expiry';
export type { Page } from './contract/common';
