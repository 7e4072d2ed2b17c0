import { z } from 'zod';
import { localCall } from './define';
import type { WhoAmI } from './session';

/** The embedded database is always there, as this one profile. */
export const LOCAL_PROFILE_ID = 'local';
export const TLS_MODES = ['disable', 'require', 'verify-full'] as const;
export type TlsMode = (typeof TLS_MODES)[number];

/**
 * A read-only standby of the profile's server, where audits, reports and exports read. It takes
 * the same login, password and TLS settings as the primary.
 */
export interface ReplicaSettings {
  host: string;
  port: number;
  database: string;
  /** Reports are refused while the standby is further behind than this many seconds. */
  maxLagSeconds: number;
}

export interface ServerProfile {
  id: string;
  kind: 'server';
  name: string;
  host: string;
  port: number;
  database: string;
  login: string;
  tls: TlsMode;
  caFile: string | null;
  replica: ReplicaSettings | null;
  /** Whether the keychain holds this profile's password. */
  passwordSaved: boolean;
}
export interface EmbeddedProfile {
  id: typeof LOCAL_PROFILE_ID;
  kind: 'embedded';
  name: string;
}
export type Profile = ServerProfile | EmbeddedProfile;

export interface KeychainStatus {
  available: boolean;
  /** Why not, in words a person can act on; null when available. */
  reason: string | null;
}

export type ConnectionStatus = 'disconnected' | 'connected' | 'locked';
export interface ConnectionState {
  status: ConnectionStatus;
  /** The profile in use (or locked); null when none, or when DATABASE_URL chose the server. */
  profileId: string | null;
  /** Why the console is locked or was disconnected, for the Connect screen. */
  message: string | null;
}

export interface ProfilesOverview {
  profiles: Profile[];
  keychain: KeychainStatus;
  /** 0 means never lock. */
  idleLockMinutes: number;
  connection: ConnectionState;
}

const name = z.string().trim().min(1, 'give the profile a name').max(80);
const host = z
  .string()
  .trim()
  .min(1, 'the server host is required')
  .max(253)
  .regex(/^[A-Za-z0-9.:\-[\]_]+$/, 'a host name or IP address');
const port = z.number().int().min(1, 'a port from 1 to 65535').max(65_535, 'a port from 1 to 65535');
const identifier = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `the ${what} is required`)
    .max(63, `a PostgreSQL ${what} has at most 63 characters`);
const password = z.string().min(1).max(1024);

export const DEFAULT_MAX_LAG_SECONDS = 30;
export const replicaFields = z
  .object({
    host,
    port,
    database: identifier('database name'),
    maxLagSeconds: z
      .number()
      .min(0, 'a lag bound of 0 seconds or more')
      .max(86_400, 'a lag bound of at most a day (86400 s)')
      .default(DEFAULT_MAX_LAG_SECONDS),
  })
  .strict();

/** What the profile form edits; the password is never stored with it. */
export const profileFields = z
  .object({
    name,
    host,
    port,
    database: identifier('database name'),
    login: identifier('login'),
    tls: z.enum(TLS_MODES),
    // Only a certificate file: the profile's CA path is read by the main process, and must not
    // be a way to make it read any file (its error would say whether that file exists).
    caFile: z
      .string()
      .trim()
      .min(1)
      .max(4096)
      .regex(/^(\/|[A-Za-z]:[\\/]).*\.(pem|crt|cer)$/i, 'a full path to a .pem, .crt or .cer file')
      .nullable()
      .default(null),
    replica: replicaFields.nullable().default(null),
  })
  .strict();
export type ProfileFields = z.input<typeof profileFields>;

const profileId = z.string().min(1).max(64);

export const profilesCalls = {
  'profiles.list': localCall<ProfilesOverview>()({
    input: z.object({}).strict(),
    summary: 'The connection profiles, whether a keychain is available, and the connection state',
  }),
  'profiles.save': localCall<ServerProfile>()({
    input: profileFields
      .extend({
        /** Absent for a new profile. */
        id: profileId.optional(),
        password: password.optional(),
        rememberPassword: z.boolean(),
      })
      .strict(),
    summary: 'Add or change a server profile; the password goes to the OS keychain only',
  }),
  'profiles.delete': localCall<{ deleted: true }>()({
    input: z.object({ id: profileId }).strict(),
    summary: 'Delete a profile and its keychain entry',
  }),
  'profiles.test': localCall<WhoAmI>()({
    input: profileFields.extend({ id: profileId.optional(), password: password.optional() }).strict(),
    summary: 'Try a connection with these settings without switching to it',
  }),
  'connection.connect': localCall<WhoAmI>()({
    input: z.object({ profileId, password: password.optional() }).strict(),
    summary: 'Connect to a profile, replacing the current connection',
  }),
  'connection.disconnect': localCall<ConnectionState>()({
    input: z.object({}).strict(),
    summary: 'Close the current connection',
  }),
  'connection.lock': localCall<ConnectionState>()({
    input: z.object({}).strict(),
    summary: 'Lock the console (after idle time): reconnecting asks for the password again',
  }),
  'connection.setIdleLock': localCall<{ idleLockMinutes: number }>()({
    input: z
      .object({
        minutes: z
          .number()
          .int()
          .min(0)
          .max(24 * 60),
      })
      .strict(),
    summary: 'Minutes without activity before the console locks (0: never)',
  }),
};
