import './operations.css';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { OperationEntry } from '../../../../shared/contract';
import { formatDate } from '../../../../shared/format';
import { hrefOf, navigate, type Route } from '../../app/router';
import { ErrorNotice } from '../../components/ErrorNotice';
import { ReportExport } from '../../components/ReportExport';
import { operationsQueries, type OperationFilters } from '../../data/operations.queries';
import { actionLabel } from '../../lib/labels';
import { OutcomeBadge } from './OutcomeBadge';

const ROW_HEIGHT = 34;
const DOMAINS = [
  'points.',
  'redemptions.',
  'audit.',
  'report.',
  'recovery.',
  'backup.',
  'demo.',
  'profiles.',
  'approvals.',
  'policies.',
];

/** Filters live in the route, so other screens can link to "the backups in the log". */
function filtersOf(route: Route): OperationFilters {
  const outcome = route.params.get('outcome');
  return {
    action: route.params.get('action') ?? '',
    actor: route.params.get('actor') ?? '',
    outcome: outcome === 'ok' || outcome === 'error' ? outcome : '',
  };
}

function Filters({ value }: { value: OperationFilters }) {
  const [actor, setActor] = useState(value.actor);
  const go = (f: OperationFilters) => navigate(hrefOf(['operations'], { ...f }), { replace: true });
  return (
    <div className="history-filters" role="search" aria-label="Filter the operations log">
      <select
        aria-label="Action"
        value={value.action}
        onChange={(e) => go({ ...value, action: e.target.value })}
      >
        <option value="">Every action</option>
        {DOMAINS.map((d) => (
          <option key={d} value={d}>
            {d.slice(0, -1)}
          </option>
        ))}
      </select>
      <input
        aria-label="Login"
        placeholder="Login"
        value={actor}
        onChange={(e) => setActor(e.target.value)}
        onBlur={() => go({ ...value, actor })}
        onKeyDown={(e) => e.key === 'Enter' && go({ ...value, actor })}
      />
      <select
        aria-label="Outcome"
        value={value.outcome}
        onChange={(e) => go({ ...value, outcome: e.target.value as OperationFilters['outcome'] })}
      >
        <option value="">Any outcome</option>
        <option value="ok">Succeeded</option>
        <option value="error">Failed or refused</option>
      </select>
    </div>
  );
}

function Detail({ entry }: { entry: OperationEntry }) {
  return (
    // A named section is a region, focusable so a keyboard can scroll a long input or result.
    // eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex
    <section className="card operation-detail" aria-label={`Operation ${entry.id}`} tabIndex={0}>
      <h2 className="card-title">
        #{entry.id} {actionLabel(entry.action)} <span className="mono">{entry.action}</span>{' '}
        <OutcomeBadge entry={entry} />
      </h2>
      <p>
        {formatDate(entry.at, { seconds: true })} by {entry.actor}
      </p>
      <h3>Input</h3>
      <pre className="mono">{JSON.stringify(entry.input, null, 2)}</pre>
      <h3>Result</h3>
      <pre className="mono">{JSON.stringify(entry.result, null, 2)}</pre>
    </section>
  );
}

const exportTarget = (f: OperationFilters) => ({
  report: 'operations' as const,
  ...(f.action ? { actionPrefix: f.action } : {}),
  ...(f.actor ? { actor: f.actor } : {}),
  ...(f.outcome ? { outcome: f.outcome } : {}),
});

/**
 * Every write and action, newest first: who, what, with what input, and how it ended. The grid
 * is one Tab stop (the active row); ↑/↓, PageUp/PageDown, Home/End move and select.
 */
export function OperationsScreen({ route }: { route: Route }) {
  const filters = filtersOf(route);
  const [active, setActive] = useState(0);
  const [selected, setSelected] = useState<OperationEntry | null>(null);
  const list = useInfiniteQuery(operationsQueries.list(filters));
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  const scrollRef = useRef<HTMLDivElement>(null);
  const focusWanted = useRef(false);
  // eslint-disable-next-line react-hooks/incompatible-library -- no React Compiler in this project
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.at(-1)?.index ?? 0;
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = list;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && lastIndex >= rows.length - 20) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage, lastIndex, rows.length]);
  useEffect(() => {
    if (!focusWanted.current) return;
    const row = scrollRef.current?.querySelector<HTMLElement>(`[data-index="${active}"]`);
    if (row) {
      row.focus({ preventScroll: true });
      focusWanted.current = false;
    }
  });
  const moveTo = (index: number) => {
    if (rows.length === 0) return;
    const next = Math.max(0, Math.min(rows.length - 1, index));
    focusWanted.current = true;
    setActive(next);
    setSelected(rows[next]!);
    virtualizer.scrollToIndex(next, { align: 'auto' });
  };
  const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 320) / ROW_HEIGHT) - 1);
  const onKeyDown = (e: KeyboardEvent) => {
    const step: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page };
    if (e.key in step) moveTo(active + step[e.key]!);
    else if (e.key === 'Home') moveTo(0);
    else if (e.key === 'End') moveTo(rows.length - 1);
    else if (e.key === 'Enter' || e.key === ' ') setSelected(rows[active] ?? null);
    else return;
    e.preventDefault();
  };
  const current = Math.min(active, Math.max(0, rows.length - 1));
  return (
    <section className="screen" aria-labelledby="operations-title">
      <header className="screen-header">
        <h1 id="operations-title">Operations log</h1>
        <span className="muted">Append-only: the database refuses to change or delete an entry.</span>
      </header>
      <Filters key={route.params.toString()} value={filters} />
      {list.isError && (
        <ErrorNotice title="Could not load the operations log" error={list.error} onRetry={list.refetch} />
      )}
      <div className="operations-layout">
        {/* The grid is one Tab stop, its active row (roving tabindex); the keys bubble up to it. */}
        {/* eslint-disable-next-line jsx-a11y/interactive-supports-focus */}
        <div className="results operations-table" role="grid" aria-label="Operations" onKeyDown={onKeyDown}>
          <div className="results-row operations-row results-head" role="row">
            {['ID', 'When', 'Login', 'Action', 'Outcome'].map((h) => (
              <span key={h} role="columnheader">
                {h}
              </span>
            ))}
          </div>
          <div className="results-scroll" ref={scrollRef}>
            <div className="results-body" role="rowgroup" style={{ height: virtualizer.getTotalSize() }}>
              {items.map((item) => {
                const op = rows[item.index]!;
                return (
                  // Keys reach the grid's onKeyDown (roving tabindex): the row handles the click.
                  // eslint-disable-next-line jsx-a11y/click-events-have-key-events
                  <div
                    key={op.id}
                    className={`results-row operations-row${selected?.id === op.id ? ' selected' : ''}`}
                    role="row"
                    tabIndex={item.index === current ? 0 : -1}
                    aria-selected={selected?.id === op.id}
                    aria-rowindex={item.index + 2}
                    data-index={item.index}
                    data-testid={`op-${op.id}`}
                    onClick={() => (setActive(item.index), setSelected(op))}
                    style={{ height: item.size, transform: `translateY(${item.start}px)` }}
                  >
                    <span role="gridcell" className="mono">
                      {op.id}
                    </span>
                    <span role="gridcell">{formatDate(op.at, { seconds: true })}</span>
                    <span role="gridcell">{op.actor}</span>
                    <span role="gridcell" className="operation-action" title={actionLabel(op.action)}>
                      <span className="mono">{op.action}</span>
                    </span>
                    <span role="gridcell">
                      <OutcomeBadge entry={op} />
                    </span>
                  </div>
                );
              })}
            </div>
            {list.isSuccess && rows.length === 0 && (
              <p className="muted history-empty">No operations match.</p>
            )}
          </div>
        </div>
        {selected && <Detail entry={selected} />}
      </div>
      <section className="card" aria-label="Export the operations log">
        <ReportExport
          label="the operations log as filtered"
          defaultName="operations-log"
          initialFormat="csv"
          target={exportTarget(filters)}
        />
      </section>
    </section>
  );
}
