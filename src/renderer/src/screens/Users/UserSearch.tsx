import { formatCount } from '../../../../shared/format';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useState, type KeyboardEvent, type ReactNode } from 'react';
import type { UserSummary } from '../../../../shared/contract';
import { hrefOf, navigate } from '../../app/router';
import { EmptyState } from '../../components/EmptyState';
import { ErrorNotice } from '../../components/ErrorNotice';
import { usersQueries } from '../../data/users.queries';
import { useDebouncedValue } from '../../lib/useDebouncedValue';
import { useInfiniteRows } from '../../lib/useInfiniteRows';
import { DemoDataOffer } from './DemoDataOffer';
import { nextActive } from './resultKeys';
import { ResultsTable, rowIdOf } from './ResultsTable';
import { SearchInput } from './SearchInput';

const SEARCH_DELAY_MS = 200;
const RESULTS_ID = 'user-results';

function summary(count: number, more: boolean): string {
  if (count === 0) return '';
  return `${formatCount(count)}${more ? '+' : ''} ${count === 1 ? 'match' : 'matches'}`;
}

/** The search half of the Users screen. The settled query lives in the route (`?q=`). */
export function UserSearch({ query }: { query: string }) {
  const [text, setText] = useState(query);
  const settled = useDebouncedValue(text.trim(), SEARCH_DELAY_MS);
  useEffect(() => {
    if (settled !== query) navigate(hrefOf(['users'], { q: settled }), { replace: true });
  }, [settled, query]);

  const results = useInfiniteQuery(usersQueries.search(query));
  const { rows, hasMore, loadMore } = useInfiniteRows(results);
  // The highlight belongs to one query: a new query starts again at the top.
  const [highlight, setHighlight] = useState({ query, index: 0 });
  const active = highlight.query === query ? Math.min(highlight.index, Math.max(rows.length - 1, 0)) : 0;
  const setActive = useCallback((index: number) => setHighlight({ query, index }), [query]);

  const open = (user: UserSummary) => navigate(hrefOf(['users', user.id], { q: query }));

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    const target = rows[active];
    if (e.key === 'Enter' && target) {
      e.preventDefault();
      open(target);
    } else if (e.key === 'Escape' && text !== '') {
      e.preventDefault();
      setText('');
    } else {
      const next = nextActive(e.key, active, rows.length);
      if (next === null) return;
      e.preventDefault();
      setActive(next);
    }
  };

  const activeUser = rows[active];
  return (
    <section className="screen screen-fill" aria-labelledby="users-title">
      <header className="screen-header">
        <h1 id="users-title">Users</h1>
        <SearchInput
          value={text}
          onChange={setText}
          onKeyDown={onKeyDown}
          controls={RESULTS_ID}
          activeId={activeUser ? rowIdOf(activeUser) : undefined}
          expanded={rows.length > 0}
        />
        <span className="screen-meta" aria-live="polite" data-testid="search-summary">
          {results.isFetching && !results.isFetchingNextPage ? 'Searching…' : summary(rows.length, hasMore)}
        </span>
      </header>
      <DemoDataOffer />
      <ResultsBody query={query} state={results} rows={rows}>
        <ResultsTable
          id={RESULTS_ID}
          rows={rows}
          active={active}
          hasMore={hasMore}
          onActivate={setActive}
          onOpen={open}
          onNeedMore={loadMore}
        />
      </ResultsBody>
    </section>
  );
}

interface BodyProps {
  query: string;
  rows: UserSummary[];
  state: { isPending: boolean; isError: boolean; error: unknown; refetch: () => unknown };
  children: ReactNode;
}

/** What stands in for the table until there are rows to show. */
function ResultsBody({ query, rows, state, children }: BodyProps) {
  if (query === '') {
    return (
      <EmptyState title="Find a user">
        Type a user id, the start of an email address, or the start of a name. Use the arrow keys to move
        through the results and Enter to open one.
      </EmptyState>
    );
  }
  if (state.isError) return <ErrorNotice title="Search failed" error={state.error} onRetry={state.refetch} />;
  if (state.isPending) return <EmptyState title="Searching…" />;
  if (rows.length === 0) return <EmptyState title={`No users match “${query}”.`} />;
  return <>{children}</>;
}
