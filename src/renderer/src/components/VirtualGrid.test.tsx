import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { VirtualGrid } from './VirtualGrid';

const ROW_HEIGHT = 30;
const VIEW_HEIGHT = 300; // ten rows in view

interface Item {
  id: number;
  name: string;
}
const items = (n: number): Item[] =>
  Array.from({ length: n }, (_, i) => ({ id: i + 1, name: `item ${i + 1}` }));

/*
 * jsdom lays nothing out: give the scrolling region a height and let scrollTo move it, as a
 * browser would, so the virtualiser sees a real window onto the rows.
 */
const originals = ['clientHeight', 'scrollHeight'].map(
  (name) => [name, Object.getOwnPropertyDescriptor(Element.prototype, name)] as const,
);
const isScroller = (e: Element) => e.classList.contains('results-scroll');
beforeAll(() => {
  Object.defineProperty(Element.prototype, 'clientHeight', {
    configurable: true,
    get(this: Element) {
      return isScroller(this) ? VIEW_HEIGHT : 0;
    },
  });
  Object.defineProperty(Element.prototype, 'scrollHeight', {
    configurable: true,
    get(this: Element) {
      return isScroller(this) ? parseFloat((this.firstElementChild as HTMLElement).style.height) : 0;
    },
  });
  Element.prototype.scrollTo = function (this: Element, options?: ScrollToOptions | number) {
    if (typeof options === 'object' && options.top !== undefined) this.scrollTop = options.top;
    this.dispatchEvent(new Event('scroll'));
  } as Element['scrollTo'];
});
afterAll(() => {
  for (const [name, d] of originals) if (d) Object.defineProperty(Element.prototype, name, d);
});

function Grid({
  rows,
  hasMore = false,
  onNeedMore = () => {},
  onOpen,
}: {
  rows: Item[];
  hasMore?: boolean;
  onNeedMore?: () => void;
  onOpen?: (index: number) => void;
}) {
  const [active, setActive] = useState(0);
  return (
    <VirtualGrid
      label="Things"
      columns={[{ header: 'ID' }, { header: 'Name' }]}
      rows={rows}
      rowKey={(r) => r.id}
      rowHeight={ROW_HEIGHT}
      cells={(r) => (
        <>
          <span role="gridcell">{r.id}</span>
          <span role="gridcell">{r.name}</span>
        </>
      )}
      hasMore={hasMore}
      onNeedMore={onNeedMore}
      navigation="rows"
      active={active}
      onActiveChange={setActive}
      {...(onOpen ? { onOpen } : {})}
      empty={<p>Nothing here.</p>}
    />
  );
}

const dataRows = () =>
  within(screen.getByRole('grid', { name: 'Things' }))
    .getAllByRole('row')
    .filter((r) => r.getAttribute('aria-rowindex') !== '1');

describe('VirtualGrid', () => {
  it('renders only the rows in view (and the overscan) of ten thousand', () => {
    render(<Grid rows={items(10_000)} />);
    const rows = dataRows();
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(40);
    expect(rows[0]).toHaveProperty('textContent', '1item 1');
    expect(screen.queryByText('item 500')).toBeNull();
    expect(screen.getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['ID', 'Name']);
    // One Tab stop: the active row.
    expect(rows.filter((r) => r.tabIndex === 0)).toHaveLength(1);
  });

  it('asks for the next page only when the end of the loaded rows comes near', () => {
    const onNeedMore = vi.fn();
    render(<Grid rows={items(100)} hasMore onNeedMore={onNeedMore} />);
    expect(onNeedMore).not.toHaveBeenCalled();
    const scroller = screen.getByRole('rowgroup');
    act(() => scroller.scrollTo({ top: 100 * ROW_HEIGHT - VIEW_HEIGHT }));
    expect(onNeedMore).toHaveBeenCalled();
    expect(screen.getByText('item 100')).toBeTruthy();
    expect(screen.getByRole('grid')).toHaveProperty('ariaRowCount', '-1');
  });

  it('moves the active row with the keys, focusing and selecting it', async () => {
    const user = userEvent.setup();
    const onOpen = vi.fn();
    render(<Grid rows={items(200)} onOpen={onOpen} />);
    const first = dataRows()[0]!;
    act(() => first.focus());
    await user.keyboard('{ArrowDown}');
    const second = screen.getByText('item 2').closest('[role="row"]') as HTMLElement;
    // Focus follows in an effect after the re-render: wait for it rather than assume a tick.
    await waitFor(() => expect(document.activeElement).toBe(second));
    expect(second.getAttribute('aria-selected')).toBe('true');
    expect(first.getAttribute('aria-selected')).toBe('false');
    await user.keyboard('{ArrowUp}{ArrowUp}'); // stops at the top
    await waitFor(() => expect(document.activeElement).toBe(first));
    await user.keyboard('{End}');
    // The last row exists only once the virtualiser has scrolled to it (next frame).
    await waitFor(() => expect(document.activeElement?.textContent).toBe('200item 200'));
    expect(document.activeElement?.getAttribute('aria-rowindex')).toBe('201');
    expect(screen.queryByText('item 1')).toBeNull();
    await user.keyboard('{PageUp}');
    await waitFor(() => expect(document.activeElement?.getAttribute('data-index')).toBe(String(199 - 9)));
    await user.keyboard('{Home}');
    await waitFor(() => expect(document.activeElement?.getAttribute('data-index')).toBe('0'));
    await user.keyboard('{Enter}');
    expect(onOpen).toHaveBeenCalledWith(0);
    expect(dataRows().filter((r) => r.tabIndex === 0)).toHaveLength(1);
  });

  it('says so when there are no rows, and a search field can drive the active row instead', () => {
    const { rerender } = render(<Grid rows={[]} />);
    expect(screen.getByText('Nothing here.')).toBeTruthy();
    rerender(
      <VirtualGrid
        label="Things"
        columns={[{ header: 'Name' }]}
        rows={items(3)}
        rowKey={(r) => r.id}
        rowHeight={ROW_HEIGHT}
        cells={(r) => <span role="gridcell">{r.name}</span>}
        rowProps={(r) => ({ id: `thing-${r.id}` })}
        hasMore
        onNeedMore={() => {}}
        loadingRow
        navigation="external"
        active={2}
      />,
    );
    expect(document.getElementById('thing-3')?.getAttribute('aria-selected')).toBe('true');
    expect(screen.getByText('Loading more…')).toBeTruthy();
    // The rows are not Tab stops; the scrolling region is.
    expect(screen.getByRole('rowgroup').tabIndex).toBe(0);
    fireEvent.keyDown(screen.getByRole('grid'), { key: 'ArrowDown' });
    expect(document.getElementById('thing-3')?.getAttribute('aria-selected')).toBe('true');
  });
});
