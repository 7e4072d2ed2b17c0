import type { UserSummary } from '../../../../shared/contract';
import { formatLocalDateTime, formatPoints } from '../../../../shared/format';
import { VirtualGrid, type GridColumn } from '../../components/VirtualGrid';

const ROW_HEIGHT = 30;

const COLUMNS: GridColumn[] = [
  { header: 'ID' },
  { header: 'Name' },
  { header: 'Email' },
  { header: 'Balance', className: 'num' },
  { header: 'Joined' },
];

interface Props {
  id: string;
  rows: UserSummary[];
  active: number;
  hasMore: boolean;
  onActivate: (index: number) => void;
  onOpen: (user: UserSummary) => void;
  onNeedMore: () => void;
}

export const rowIdOf = (user: UserSummary) => `user-row-${user.id}`;

function cells(user: UserSummary) {
  return (
    <>
      <span role="gridcell" className="mono">
        {user.id}
      </span>
      <span role="gridcell" className="strong">
        {user.name}
      </span>
      <span role="gridcell">{user.email}</span>
      <span role="gridcell" className="num">
        {user.points === null ? '—' : formatPoints(user.points)}
      </span>
      <span role="gridcell" className="muted">
        {formatLocalDateTime(user.createdAt)}
      </span>
    </>
  );
}

/**
 * Search results. The keyboard drives the rows from the search field (aria-activedescendant):
 * a row is clicked, never focused.
 */
export function ResultsTable({ id, rows, active, hasMore, onActivate, onOpen, onNeedMore }: Props) {
  return (
    <VirtualGrid
      label="Matching users"
      id={id}
      rowClassName="users-row"
      columns={COLUMNS}
      rows={rows}
      rowKey={(user) => user.id}
      rowHeight={ROW_HEIGHT}
      cells={cells}
      rowProps={(user, index) => ({
        id: rowIdOf(user),
        onMouseDown: (e) => e.preventDefault(), // keep the focus in the search field
        onMouseEnter: () => onActivate(index),
        onClick: () => onOpen(user),
      })}
      hasMore={hasMore}
      onNeedMore={onNeedMore}
      loadingRow
      navigation="external"
      active={active}
    />
  );
}
