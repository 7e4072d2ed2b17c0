import './users.css';
import type { Route } from '../../app/router';
import { UserSearch } from './UserSearch';
import { UserView } from './UserView';

/** `#/users?q=…` searches; `#/users/<id>?q=…` shows one user (the query is kept for going back). */
export function UsersScreen({ route }: { route: Route }) {
  const query = route.params.get('q') ?? '';
  const id = route.rest[0];
  const userId = id !== undefined && /^\d{1,10}$/.test(id) ? Number(id) : null;
  return userId === null ? <UserSearch query={query} /> : <UserView userId={userId} query={query} />;
}
