import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { UserDetail } from '../../../../shared/contract';
import { formatLocalDateTime } from '../../../../shared/format';
import { hrefOf, navigate } from '../../app/router';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Kbd } from '../../components/Kbd';
import { usersQueries } from '../../data/users.queries';
import { isEditable } from '../../lib/editable';
import { BalanceCard } from './BalanceCard';
import { IntegrityWarning } from './IntegrityWarning';
import { USER_SECTIONS } from './userSections';
import { Badge } from '../../components/Badge';

interface Props {
  userId: number;
  /** The search this user was opened from, restored on the way back. */
  query: string;
}

function useEscapeTo(href: string): void {
  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !isEditable(e.target)) navigate(href);
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [href]);
}

function UserHeading({ user }: { user: UserDetail }) {
  return (
    <div className="user-heading">
      <h1 data-testid="user-name">{user.name}</h1>
      <Badge tone="info" plain className="mono">
        #{user.id}
      </Badge>
      <span className="user-email">{user.email}</span>
      <span className="muted">Joined {formatLocalDateTime(user.createdAt)}</span>
    </div>
  );
}

export function UserView({ userId, query }: Props) {
  const user = useQuery(usersQueries.detail(userId));
  const back = hrefOf(['users'], { q: query });
  useEscapeTo(back);
  return (
    <section className="screen" aria-label="User">
      <header className="screen-header">
        <a className="button button-ghost" href={back}>
          ← Results <Kbd>Esc</Kbd>
        </a>
        {user.data ? <UserHeading user={user.data} /> : <h1>User #{userId}</h1>}
      </header>
      <div className="user-body">
        {user.isPending && <p className="muted">Loading user #{userId}…</p>}
        {user.isError && (
          <ErrorNotice title="Could not open this user" error={user.error} onRetry={user.refetch} />
        )}
        {user.data && (
          <>
            <BalanceCard user={user.data} />
            <IntegrityWarning userId={user.data.id} />
            {USER_SECTIONS.map(({ id, title, Component }) => (
              <section key={id} className="card" aria-label={title}>
                <h2 className="card-title">{title}</h2>
                <Component user={user.data} />
              </section>
            ))}
          </>
        )}
      </div>
    </section>
  );
}
