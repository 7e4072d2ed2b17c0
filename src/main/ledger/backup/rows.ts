import { z } from 'zod';
import { BACKUP_TABLES, type BackupTable } from '../../../shared/contract/backup';
import { CREDIT_TYPES, TRANSACTION_TYPES } from '../../../shared/contract/points';

/**
 * One zod schema per backed-up table: every row of a backup file is checked against its table's
 * schema before anything is written. The schemas mirror the database's own rules (NOT NULL,
 * CHECK constraints) so a bad row is refused naming its line, not by a constraint halfway in.
 * Columns added by later migrations are optional, so older backups still restore.
 */
const id = z.number().int().positive().max(2_147_483_647);
const count = z.number().int().min(0).max(2_147_483_647);
/** PostgreSQL's JSON text of a timestamptz, e.g. 2026-11-25T09:12:47.123456+00:00. */
const at = z.iso.datetime({ offset: true });
const money = z.number().nonnegative().max(9_999_999_999.99);
/** PostgreSQL's hex text of a bytea, e.g. \x3f2a… */
const bytea = z.string().regex(/^\\x(?:[0-9a-f]{2})*$/, 'expected a hex bytea such as \\x0a1b');
const text = z.string().refine((s) => !s.includes('\u0000'), 'text cannot contain NUL characters');

const users = z
  .object({
    id,
    email: text.min(1),
    name: text,
    rewards: count,
    created_at: at,
    updated_at: at,
  })
  .strict();

const orders = z.object({ id, user_id: id, amount: money, status: text, created_at: at }).strict();

const pointsRewards = z
  .object({
    id,
    name: text,
    description: text,
    cost: z.number().int().min(1).max(10_000),
    validity_days: z.number().int().positive(),
    active: z.boolean(),
    created_at: at,
  })
  .strict();

const userPoints = z
  .object({
    id,
    user_id: id,
    points: count,
    total_earned: count,
    total_redeemed: count,
    last_earned_at: at.nullable(),
    created_at: at,
    updated_at: at,
  })
  .strict();

const credit = new Set<string>(CREDIT_TYPES);
const pointsTransactions = z
  .object({
    id,
    user_id: id,
    order_id: id.nullable(),
    type: z.enum(TRANSACTION_TYPES),
    points: z.number().int().min(-2_147_483_648).max(2_147_483_647),
    description: text,
    order_amount: money.nullable(),
    idempotency_key: text.nullable(),
    created_by: text,
    created_at: at,
    reverses_id: id.nullable().optional(),
    expires_lot_id: id.nullable().optional(),
    prev_hash: bytea.nullable().optional(),
    row_hash: bytea.nullable().optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    const ok = credit.has(t.type)
      ? t.points >= 1 && t.points <= 10_000
      : t.type === 'redeemed'
        ? t.points >= -10_000 && t.points <= -1
        : t.type === 'expired'
          ? t.points < 0 && t.expires_lot_id != null
          : t.points !== 0;
    if (!ok)
      ctx.addIssue({ code: 'custom', path: ['points'], message: `${t.points} is not valid for ${t.type}` });
    if (t.reverses_id != null && t.type !== 'adjustment')
      ctx.addIssue({ code: 'custom', path: ['reverses_id'], message: 'only an adjustment reverses a row' });
    if (t.expires_lot_id != null && t.type !== 'expired')
      ctx.addIssue({ code: 'custom', path: ['expires_lot_id'], message: 'only an expired row names a lot' });
  });

const redemptions = z
  .object({
    id,
    user_id: id,
    points_reward_id: id,
    order_id: id.nullable(),
    transaction_id: id.nullable(),
    points_spent: z.number().int().min(1).max(10_000),
    is_used: z.boolean(),
    used_at: at.nullable(),
    expires_at: at,
    created_at: at,
    cancelled_at: at.nullable().optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.is_used !== (r.used_at !== null))
      ctx.addIssue({ code: 'custom', path: ['used_at'], message: 'used_at is set exactly when is_used' });
    if (r.is_used && r.cancelled_at != null)
      ctx.addIssue({
        code: 'custom',
        path: ['cancelled_at'],
        message: 'a used redemption cannot be cancelled',
      });
  });

export const ROW_SCHEMAS = {
  users,
  orders,
  points_rewards: pointsRewards,
  user_points: userPoints,
  points_transactions: pointsTransactions,
  user_points_redemptions: redemptions,
} satisfies Record<BackupTable, z.ZodType>;

export type BackupRow<T extends BackupTable> = z.output<(typeof ROW_SCHEMAS)[T]>;

/** The columns each schema knows: a database column outside these would not travel in a backup. */
export function knownColumns(table: BackupTable): string[] {
  return Object.keys(ROW_SCHEMAS[table].shape);
}

type Decode = (text: string) => unknown;

/** PostgreSQL's ISO text of a timestamptz in UTC, e.g. 2026-11-25 09:12:47.123456+00. */
const PG_TIMESTAMP = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d)(?::(\d\d))?$/;
const DECIMAL = /^-?\d+(?:\.\d+)?$/;

/**
 * How a column's PostgreSQL text becomes the value its schema checks: numbers, booleans and
 * ISO times as in version 1. Text that does not fit is left as it is, for the schema to refuse.
 */
function decoderOf(schema: z.ZodType): Decode {
  let inner = schema;
  while (inner instanceof z.ZodOptional || inner instanceof z.ZodNullable)
    inner = inner.unwrap() as z.ZodType;
  if (inner instanceof z.ZodNumber) return (s) => (DECIMAL.test(s) ? Number(s) : s);
  if (inner instanceof z.ZodBoolean) return (s) => (s === 't' ? true : s === 'f' ? false : s);
  if (inner instanceof z.ZodISODateTime)
    return (s) => {
      const m = PG_TIMESTAMP.exec(s);
      return m ? `${m[1]}T${m[2]}${m[3]}:${m[4] ?? '00'}` : s;
    };
  return (s) => s;
}

/**
 * A version-2 row (its columns' PostgreSQL text, in the header's column order) as the object
 * its table's schema checks. The columns must be known ones (the header is checked first).
 */
export function textRowDecoder(
  table: BackupTable,
  columns: readonly string[],
): (values: ReadonlyArray<string | null>) => Record<string, unknown> {
  const shape = ROW_SCHEMAS[table].shape as Record<string, z.ZodType>;
  const decoders = columns.map((c) => decoderOf(shape[c]!));
  return (values) => {
    const row: Record<string, unknown> = {};
    columns.forEach((c, i) => {
      const v = values[i] ?? null;
      row[c] = v === null ? null : decoders[i]!(v);
    });
    return row;
  };
}

/**
 * Which foreign keys of each table a restore must resolve (in the file or the database).
 * `self` references point at an earlier row of the same table.
 */
export const REFERENCES: Array<{ table: BackupTable; column: string; target: BackupTable }> = [
  { table: 'orders', column: 'user_id', target: 'users' },
  { table: 'user_points', column: 'user_id', target: 'users' },
  { table: 'points_transactions', column: 'user_id', target: 'users' },
  { table: 'points_transactions', column: 'order_id', target: 'orders' },
  { table: 'points_transactions', column: 'reverses_id', target: 'points_transactions' },
  { table: 'user_points_redemptions', column: 'user_id', target: 'users' },
  { table: 'user_points_redemptions', column: 'points_reward_id', target: 'points_rewards' },
  { table: 'user_points_redemptions', column: 'order_id', target: 'orders' },
  { table: 'user_points_redemptions', column: 'transaction_id', target: 'points_transactions' },
];

export { BACKUP_TABLES };
