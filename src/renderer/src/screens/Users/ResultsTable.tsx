import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';
import type { UserSummary } from '../../../../shared/contract';
import { formatLocalDateTime, formatPoints } from '../../../../shared/format';

const ROW_HEIGHT = 30;
/** Start loading the next page this many rows before the end comes into view. */
const PREFETCH_ROWS = 20;

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

/** Search results, virtualised: only the rows in view exist in the DOM, however many match. */
export function ResultsTable({ id, rows, active, hasMore, onActivate, onOpen, onNeedMore }: Props) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const count = rows.length + (hasMore ? 1 : 0);
  // The project does not use the React Compiler, whose memoisation this warning is about.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.at(-1)?.index ?? 0;

  useEffect(() => {
    if (hasMore && lastIndex >= rows.length - PREFETCH_ROWS) onNeedMore();
  }, [hasMore, lastIndex, rows.length, onNeedMore]);

  useEffect(() => {
    if (active < rows.length) virtualizer.scrollToIndex(active, { align: 'auto' });
  }, [active, rows.length, virtualizer]);

  return (
    <div className="results" role="grid" id={id} aria-label="Matching users" aria-rowcount={count + 1}>
      <div className="results-row results-head" role="row" aria-rowindex={1}>
        <span role="columnheader">ID</span>
        <span role="columnheader">Name</span>
        <span role="columnheader">Email</span>
        <span role="columnheader" className="num">
          Balance
        </span>
        <span role="columnheader">Joined</span>
      </div>
      <div className="results-scroll" ref={scrollRef} role="rowgroup" tabIndex={0}>
        <div className="results-body" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((item) => {
            const user = rows[item.index];
            const style = { height: item.size, transform: `translateY(${item.start}px)` };
            if (!user) {
              return (
                <div key="more" className="results-row results-more" role="row" style={style}>
                  <span role="gridcell">Loading more…</span>
                </div>
              );
            }
            return (
              // The keyboard drives these rows from the search field (aria-activedescendant):
              // a row is clicked, never focused.
              // eslint-disable-next-line jsx-a11y/click-events-have-key-events, jsx-a11y/interactive-supports-focus
              <div
                key={user.id}
                id={rowIdOf(user)}
                className="results-row"
                role="row"
                aria-rowindex={item.index + 2}
                aria-selected={item.index === active}
                style={style}
                onMouseDown={(e) => e.preventDefault()} // keep the focus in the search field
                onMouseEnter={() => onActivate(item.index)}
                onClick={() => onOpen(user)}
              >
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
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
