/**
 * The ledger's tables as Knex sees them: `db('grant_imports').first()` is then typed from here,
 * not cast at each query. Columns as node-pg returns them with the parsers of ./knex (int8 and
 * numeric as numbers, timestamps as Dates). Text columns are `string` here (the database layer
 * does not know the contract); a ledger module that relies on a column's CHECK-constrained values
 * narrows it with `db<ItsRow>('table')`.
 *
 * Joins with aliases and raw SQL are outside what Knex can type; those keep a row interface next
 * to their query.
 */

export interface UsersRow {
  id: number;
  email: string;
  name: string;
  rewards: number;
  created_at: Date;
  updated_at: Date;
}

export interface UserPointsRow {
  id: number;
  user_id: number;
  points: number;
  total_earned: number;
  total_redeemed: number;
  last_earned_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface PointsTransactionsRow {
  id: number;
  user_id: number;
  order_id: number | null;
  type: string;
  points: number;
  description: string;
  order_amount: number | null;
  idempotency_key: string | null;
  created_by: string;
  created_at: Date;
  reverses_id: number | null;
  prev_hash: Buffer | null;
  row_hash: Buffer | null;
  expires_lot_id: number | null;
}

export interface OperationsLogRow {
  id: number;
  at: Date;
  actor: string;
  action: string;
  input: unknown;
  outcome: 'ok' | 'error';
  error_code: string | null;
  result: unknown;
}

export interface ApprovalRequestsRow {
  id: string;
  kind: string;
  payload: unknown;
  fingerprint: string;
  points: number;
  users: number;
  approver_role: string;
  requested_by: string;
  reason: string;
  created_at: Date;
  expires_at: Date;
  state: string;
  decided_by: string | null;
  decided_at: Date | null;
  decision_reason: string | null;
  applied_by: string | null;
  applied_at: Date | null;
  executing_txid: number | null;
  result: unknown;
}

export interface GrantImportsRow {
  id: string;
  file_name: string;
  file_sha256: string;
  rows: number;
  users: number;
  points_credited: number;
  points_debited: number;
  status: string;
  rows_applied: number;
  rows_replayed: number;
  rows_refused: number;
  approval_request_id: string | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

export interface GrantRowsRow {
  import_id: string;
  line: number;
  user_id: number;
  type: string;
  points: number;
  description: string;
  order_id: number | null;
  key: string;
  outcome: string | null;
  transaction_id: number | null;
  reason: string | null;
}

export interface PointsLotsRow {
  id: number;
  user_id: number;
  source: string;
  credit_type: string;
  points: number;
  remaining: number;
  expires_at: Date | null;
  created_at: Date;
  expired_by: number | null;
}

declare module 'knex/types/tables' {
  interface Tables {
    users: UsersRow;
    user_points: UserPointsRow;
    points_transactions: PointsTransactionsRow;
    operations_log: OperationsLogRow;
    approval_requests: ApprovalRequestsRow;
    grant_imports: GrantImportsRow;
    grant_rows: GrantRowsRow;
    points_lots: PointsLotsRow;
  }
}
