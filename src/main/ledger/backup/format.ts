import { z } from 'zod';
import { SCHEMA_VERSION } from '../../db/migrate';
import {
  BACKUP_TABLES,
  type BackupHeader,
  type BackupTable,
  type TableCounts,
} from '../../../shared/contract/backup';
import { userId } from '../../../shared/contract/common';

/**
 * The backup file format (README "Backups"): newline-delimited JSON, UTF-8, optionally gzip.
 *
 *   line 1      header   {"format":"pointkeeper-backup","version":2,…,"tables":[{name,columns,types}…]}
 *   then, for every table of the header in its order (version 2: SECTION_ORDER; version 1:
 *   BACKUP_TABLES):
 *               section  {"section":"<table>"}
 *               rows     version 2: one JSON array per row, the text PostgreSQL writes for each
 *                        of the header's columns (ISO times in UTC, hex bytea) or null, in any
 *                        order, each id once;
 *                        version 1: one JSON object per row, keys = the table's columns, JSON
 *                        numbers and booleans, ids ascending
 *   last line   trailer  {"trailer":{"counts":{…},"sha256":"<hex>","signature":{…}}}
 *               (signature: optional, see signature.ts; not covered by sha256, it signs it)
 *
 * sha256 is over the uncompressed bytes of every line before the trailer, newlines included.
 * Version 2 exists for speed: its rows are the server's COPY text almost byte for byte, and in
 * the table's physical order, so an export keeps pace with pg_dump. Version 1 files still restore.
 */
export const FORMAT = 'pointkeeper-backup';
export const FORMAT_VERSION = 2;
/**
 * The order a version-2 export writes its sections in: orders last, so that a full export has
 * seen every order the points rows use before it writes the orders (content.ts). A restore
 * applies tables in reference order (BACKUP_TABLES) whatever the file's order.
 */
export const SECTION_ORDER: readonly BackupTable[] = [
  'users',
  'points_rewards',
  'user_points',
  'points_transactions',
  'user_points_redemptions',
  'orders',
];
/** Versions this console reads. */
export const READABLE_VERSIONS: readonly number[] = [1, 2];
/** The schema this console was built with: the newest migration it knows. */
export { SCHEMA_VERSION };
/** No line of a backup is this long; a longer one is a damaged or hostile file, not a row. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

const tableName = z.enum(BACKUP_TABLES);

export const headerSchema = z
  .object({
    format: z.literal(FORMAT),
    version: z.number().int().positive(),
    createdAt: z.iso.datetime({ offset: true }),
    createdBy: z.string().max(200),
    source: z.object({
      server: z.string().max(300),
      database: z.string().max(200),
      serverVersion: z.string().max(100),
    }),
    scope: z.union([z.literal('full'), z.object({ userIds: z.array(userId).min(1).max(100_000) })]),
    schemaVersion: z.string().regex(/^\d{8}_\d{3}_[a-z0-9_]+$/),
    tables: z
      .array(
        z
          .object({
            name: tableName,
            columns: z.array(z.string().regex(/^[a-z_][a-z0-9_]*$/)).min(1),
            types: z.array(z.string().regex(/^[a-z_][a-z0-9_]*$/)).optional(),
          })
          .refine((t) => !t.types || t.types.length === t.columns.length, {
            message: 'types must name one type per column',
          }),
      )
      .min(1),
  })
  .strict() satisfies z.ZodType<BackupHeader>;

export const sectionSchema = z.object({ section: tableName }).strict();

export const trailerSchema = z
  .object({
    trailer: z
      .object({
        counts: z.record(tableName, z.number().int().min(0)),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
        signature: z
          .object({
            signature: z.string().regex(/^[0-9a-f]{64}$/),
            signer: z.string().min(1).max(200),
            signedAt: z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/),
            keyFingerprint: z.string().regex(/^[0-9a-f]{16}$/),
          })
          .strict()
          .optional(),
      })
      .strict(),
  })
  .strict();

export const zeroCounts = (): TableCounts =>
  Object.fromEntries(BACKUP_TABLES.map((t) => [t, 0])) as TableCounts;

/** Migration names sort by date and number, so a name greater than ours comes from a newer console. */
export function isNewerSchema(version: string): boolean {
  return version > SCHEMA_VERSION;
}
