import './operations.css';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { OperationEntry } from '../../../../shared/contract';
import { formatDate } from '../../../../shared/format';
import { hrefOf, navigate, type Route } from '../../app/router';
import { ErrorNotice } from '../../components/ErrorNotice';
import { ReportExport } from '../../components/ReportExport';
import { VirtualGrid } from '../../components/VirtualGrid';
import { operationsQueries, type OperationFilters } from '../../data/operations.queries';
import { actionLabel } from '../../lib/labels';
import { useInfiniteRows } from '../../lib/useInfiniteRows';
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

const COLUMNS = ['ID', 'When', 'Login', 'Action', 'Outcome'].map((header) => ({ header }));

function cells(op: OperationEntry) {
  return (
    <>
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
    </>
  );
}

/**
 * Every write and action, newest first: who, what, with what input, and how it ended. The grid
 * is one Tab stop (the active row); ↑/↓, PageUp/PageDown, Home/End move and select.
 */
export function OperationsScreen({ route }: { route: Route }) {
  const filters = filtersOf(route);
  const [active, setActive] = useState(0);
  const [selected, setSelected] = useState<OperationEntry | null>(null);
  const list = useInfiniteQuery(operationsQueries.list(filters));
  const { rows, hasMore, loadMore } = useInfiniteRows(list);
  const choose = (index: number) => {
    setActive(index);
    setSelected(rows[index] ?? null);
  };
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
        <VirtualGrid
          label="Operations"
          className="operations-table"
          rowClassName="operations-row"
          columns={COLUMNS}
          rows={rows}
          rowKey={(op) => op.id}
          rowHeight={ROW_HEIGHT}
          cells={cells}
          rowProps={(op, index) => ({ 'data-testid': `op-${op.id}`, onClick: () => choose(index) })}
          hasMore={hasMore}
          onNeedMore={loadMore}
          navigation="rows"
          active={active}
          onActiveChange={choose}
          onOpen={choose}
          isSelected={(op) => selected?.id === op.id}
          empty={list.isSuccess && <p className="muted history-empty">No operations match.</p>}
        />
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
