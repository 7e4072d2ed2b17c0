import type { HTMLAttributes, ReactNode } from 'react';
import { useVirtualGrid } from './useVirtualGrid';

export interface GridColumn {
  /** The header's text; a column of buttons can name itself for screen readers only. */
  header: string;
  hiddenHeader?: boolean;
  className?: string;
}

type RowAttributes = HTMLAttributes<HTMLDivElement> & { 'data-testid'?: string };

interface Props<T> {
  label: string;
  id?: string;
  /** Extra classes for the grid and for every row (the column template lives in the screen's CSS). */
  className?: string;
  rowClassName?: string;
  columns: GridColumn[];
  rows: T[];
  rowKey(row: T): string | number;
  rowHeight: number;
  /** The row's gridcells. */
  cells(row: T, index: number): ReactNode;
  /** Per-row attributes (an id, a test id, mouse handlers). */
  rowProps?(row: T, index: number): RowAttributes;
  hasMore: boolean;
  onNeedMore(): void;
  /** Show a "Loading more…" row at the end while more exist. */
  loadingRow?: boolean;
  /**
   * How the keyboard reaches the rows:
   * - 'rows': the grid is one Tab stop, its active row (roving tabindex); the arrows move it;
   * - 'external': another control (a search field) moves `active` (aria-activedescendant);
   * - 'none': rows are read, not chosen; the scrolling region is the Tab stop.
   */
  navigation: 'rows' | 'external' | 'none';
  active?: number;
  onActiveChange?(index: number): void;
  onOpen?(index: number): void;
  /** Whether a row shows as selected (defaults to the active row). */
  isSelected?(row: T, index: number): boolean;
  /** Shown inside the grid when there are no rows. */
  empty?: ReactNode;
}

/**
 * The one virtualised, infinitely loading grid: only the rows in view exist in the DOM however
 * many there are, and the ARIA grid roles, row indexes and keyboard use are the same everywhere.
 */
export function VirtualGrid<T>(p: Props<T>) {
  const count = p.rows.length + (p.loadingRow && p.hasMore ? 1 : 0);
  const chooses = p.navigation !== 'none';
  const active = chooses ? Math.min(p.active ?? 0, Math.max(0, p.rows.length - 1)) : undefined;
  const { scrollRef, items, totalSize, onKeyDown } = useVirtualGrid({
    count,
    loaded: p.rows.length,
    rowHeight: p.rowHeight,
    hasMore: p.hasMore,
    onNeedMore: p.onNeedMore,
    active,
    onActiveChange: p.navigation === 'rows' ? p.onActiveChange : undefined,
    onOpen: p.navigation === 'rows' ? p.onOpen : undefined,
  });
  const rowClass = `results-row${p.rowClassName ? ` ${p.rowClassName}` : ''}`;
  const selected = (row: T, index: number) => p.isSelected?.(row, index) ?? index === active;
  return (
    // In 'rows' mode the keys of the focused row bubble up to the grid (roving tabindex).
    // eslint-disable-next-line jsx-a11y/interactive-supports-focus
    <div
      className={`results${p.className ? ` ${p.className}` : ''}`}
      role="grid"
      id={p.id}
      aria-label={p.label}
      aria-rowcount={p.hasMore ? -1 : p.rows.length + 1}
      onKeyDown={p.navigation === 'rows' ? onKeyDown : undefined}
    >
      <div className={`${rowClass} results-head`} role="row" aria-rowindex={1}>
        {p.columns.map((c) => (
          <span key={c.header} role="columnheader" className={c.className}>
            {c.hiddenHeader ? <span className="visually-hidden">{c.header}</span> : c.header}
          </span>
        ))}
      </div>
      {/* The scrolling region is a Tab stop unless its rows are (axe: scrollable-region-focusable). */}
      <div
        className="results-scroll"
        ref={scrollRef}
        role="rowgroup"
        tabIndex={p.navigation === 'rows' ? undefined : 0}
      >
        <div className="results-body" style={{ height: totalSize }}>
          {items.map((item) => {
            const style = { height: item.size, transform: `translateY(${item.start}px)` };
            const row = p.rows[item.index];
            if (row === undefined) {
              return (
                <div key="more" className={`${rowClass} results-more`} role="row" style={style}>
                  <span role="gridcell">Loading more…</span>
                </div>
              );
            }
            const extra = p.rowProps?.(row, item.index) ?? {};
            const isSelected = chooses && selected(row, item.index);
            return (
              <div
                key={p.rowKey(row)}
                role="row"
                aria-rowindex={item.index + 2}
                aria-selected={chooses ? isSelected : undefined}
                tabIndex={p.navigation === 'rows' ? (item.index === active ? 0 : -1) : undefined}
                data-index={item.index}
                style={style}
                {...extra}
                className={[rowClass, isSelected && 'selected', extra.className].filter(Boolean).join(' ')}
              >
                {p.cells(row, item.index)}
              </div>
            );
          })}
        </div>
        {p.rows.length === 0 && p.empty}
      </div>
    </div>
  );
}
