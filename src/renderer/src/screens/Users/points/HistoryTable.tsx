import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { HistoryRow, TransactionType, UserDetail } from '../../../../../shared/contract';
import { TRANSACTION_TYPES } from '../../../../../shared/contract/points';
import { formatLocalDateTime, formatPoints, formatSignedPoints } from '../../../../../shared/format';
import { ErrorNotice } from '../../../components/ErrorNotice';
import { VirtualGrid, type GridColumn } from '../../../components/VirtualGrid';
import { pointsQueries, type HistoryFilters } from '../../../data/points.queries';
import { useInfiniteRows } from '../../../lib/useInfiniteRows';
import { useRoleGate } from '../../../lib/useRoleGate';
import { ReverseDialog } from './ReverseDialog';
import { Badge } from '../../../components/Badge';

const ROW_HEIGHT = 32;

/** A datetime-local value (local time) as ISO 8601 UTC, or '' when empty. */
const toIso = (local: string) => (local ? new Date(local).toISOString() : '');

function Filters({ value, onChange }: { value: HistoryFilters; onChange(f: HistoryFilters): void }) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  return (
    <div className="history-filters">
      <select
        aria-label="Transaction type"
        value={value.types[0] ?? ''}
        onChange={(e) =>
          onChange({ ...value, types: e.target.value ? [e.target.value as TransactionType] : [] })
        }
      >
        <option value="">All types</option>
        {TRANSACTION_TYPES.map((t) => (
          <option key={t} value={t}>
            {t.replace('_', ' ')}
          </option>
        ))}
      </select>
      <label>
        From{' '}
        <input
          type="datetime-local"
          value={from}
          onChange={(e) => (setFrom(e.target.value), onChange({ ...value, from: toIso(e.target.value) }))}
        />
      </label>
      <label>
        To{' '}
        <input
          type="datetime-local"
          value={to}
          onChange={(e) => (setTo(e.target.value), onChange({ ...value, to: toIso(e.target.value) }))}
        />
      </label>
    </div>
  );
}

function Row({
  tx,
  canReverse,
  reason,
  onReverse,
}: {
  tx: HistoryRow;
  canReverse: boolean;
  reason: string | null;
  onReverse(): void;
}) {
  return (
    <>
      <span role="gridcell" className="mono">
        {tx.id}
      </span>
      <span role="gridcell">{formatLocalDateTime(tx.createdAt)}</span>
      <span role="gridcell">
        <Badge tone="info" plain className={`type-${tx.type}`}>
          {tx.type.replace('_', ' ')}
        </Badge>
      </span>
      <span role="gridcell" className={`num ${tx.points < 0 ? 'debit' : 'credit'}`}>
        {formatSignedPoints(tx.points)}
      </span>
      <span role="gridcell" title={tx.description}>
        {tx.description}
        {tx.reversedById !== null && (
          <Badge tone="neutral" plain>
            reversed by #{tx.reversedById}
          </Badge>
        )}
        {tx.points < 0 && tx.lots.length > 0 && (
          <Badge
            tone="neutral"
            plain
            testId={`tx-${tx.id}-lots`}
            title="The lots this debit took its points from"
          >
            from lot{tx.lots.length > 1 ? 's' : ''}{' '}
            {tx.lots
              .map((l) => `${l.lotId === null ? '(none)' : `#${l.lotId}`} ${formatPoints(l.points)}`)
              .join(', ')}
          </Badge>
        )}
      </span>
      <span role="gridcell">{tx.createdBy}</span>
      <span role="gridcell" title={tx.reversedById === null ? (tx.notReversible ?? undefined) : undefined}>
        {tx.notReversible === null && (
          <button
            type="button"
            className="button button-small"
            disabled={!canReverse}
            title={reason ?? `Reverse transaction ${tx.id}`}
            onClick={onReverse}
          >
            Reverse…
          </button>
        )}
      </span>
    </>
  );
}

const COLUMNS: GridColumn[] = [
  ...['ID', 'When', 'Type'].map((header) => ({ header })),
  { header: 'Points', className: 'num' },
  ...['Description', 'By'].map((header) => ({ header })),
  { header: 'Actions', hiddenHeader: true },
];

/** The user's transactions newest first: virtualised, loading further pages as you scroll. */
export function HistoryTable({ user }: { user: UserDetail }) {
  const [filters, setFilters] = useState<HistoryFilters>({ types: [], from: '', to: '' });
  const [reversing, setReversing] = useState<HistoryRow | null>(null);
  const gate = useRoleGate('points.reverse');
  const history = useInfiniteQuery(pointsQueries.history(user.id, filters));
  const { rows, hasMore, loadMore } = useInfiniteRows(history);
  return (
    <div className="history">
      <Filters value={filters} onChange={setFilters} />
      {history.isError && (
        <ErrorNotice title="Could not load the history" error={history.error} onRetry={history.refetch} />
      )}
      <VirtualGrid
        label="Transactions"
        className="history-table"
        rowClassName="history-row"
        columns={COLUMNS}
        rows={rows}
        rowKey={(tx) => tx.id}
        rowHeight={ROW_HEIGHT}
        cells={(tx) => (
          <Row tx={tx} canReverse={gate.allowed} reason={gate.reason} onReverse={() => setReversing(tx)} />
        )}
        rowProps={(tx) => ({ 'data-testid': `tx-${tx.id}` })}
        hasMore={hasMore}
        onNeedMore={loadMore}
        navigation="none"
        empty={history.isSuccess && <p className="muted history-empty">No transactions match.</p>}
      />
      <ReverseDialog userId={user.id} tx={reversing} onClose={() => setReversing(null)} />
    </div>
  );
}
