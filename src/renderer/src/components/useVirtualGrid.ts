import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, type KeyboardEvent } from 'react';

/** Start loading the next page this many rows before the end comes into view. */
export const PREFETCH_ROWS = 20;

export interface VirtualGridOptions {
  /** Rows the grid knows of (a trailing "loading more" row included, if shown). */
  count: number;
  /** Rows that hold data: the prefetch watches the last of them. */
  loaded: number;
  rowHeight: number;
  hasMore: boolean;
  onNeedMore(): void;
  /** The active row, kept in view whoever moves it (the grid's own keys or a search field). */
  active?: number | undefined;
  /** With it, the grid's keys move the active row and focus it (roving tabindex). */
  onActiveChange?: ((index: number) => void) | undefined;
  /** Enter or Space on the active row. */
  onOpen?: ((index: number) => void) | undefined;
}

/**
 * The virtualised, infinitely loading grid's behaviour without its markup: only the rows in
 * view are rendered, the next page is asked for before the end shows, and ↑/↓, PageUp/PageDown,
 * Home/End move the active row (which then takes the focus) when the grid owns the keyboard.
 */
export function useVirtualGrid(o: VirtualGridOptions) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const focusWanted = useRef(false);
  // The project does not use the React Compiler, whose memoisation this warning is about.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: o.count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => o.rowHeight,
    overscan: 10,
    // React 19 batches the scroll's re-render well enough; flushSync from the active row's
    // scroll effect would run inside a render (React warns).
    useFlushSync: false,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.at(-1)?.index ?? 0;
  const { hasMore, onNeedMore, loaded, active } = o;

  useEffect(() => {
    if (hasMore && lastIndex >= loaded - PREFETCH_ROWS) onNeedMore();
  }, [hasMore, lastIndex, loaded, onNeedMore]);

  useEffect(() => {
    if (active !== undefined && active < loaded) virtualizer.scrollToIndex(active, { align: 'auto' });
  }, [active, loaded, virtualizer]);

  // The row to focus may not exist until the virtualiser has scrolled it into the window.
  useEffect(() => {
    if (!focusWanted.current) return;
    const row = scrollRef.current?.querySelector<HTMLElement>(`[data-index="${active}"]`);
    if (row) {
      row.focus({ preventScroll: true });
      focusWanted.current = false;
    }
  });

  const moveTo = (index: number) => {
    if (loaded === 0 || !o.onActiveChange) return;
    focusWanted.current = true;
    o.onActiveChange(Math.max(0, Math.min(loaded - 1, index)));
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (!o.onActiveChange || active === undefined) return;
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 320) / o.rowHeight) - 1);
    const step: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page };
    if (e.key in step) moveTo(active + step[e.key]!);
    else if (e.key === 'Home') moveTo(0);
    else if (e.key === 'End') moveTo(loaded - 1);
    else if ((e.key === 'Enter' || e.key === ' ') && active < loaded) o.onOpen?.(active);
    else return;
    e.preventDefault();
  };

  return { scrollRef, items, totalSize: virtualizer.getTotalSize(), onKeyDown };
}
