import { formatCount } from '../../../../shared/format';
import type { RecoveryScope } from '../../../../shared/contract';
import { MAX_SCOPE_USERS } from '../../../../shared/contract/recovery';

export type ScopeKind = 'users' | 'discrepancies' | 'all';

/** "1, 2 3" → [1, 2, 3]; a message for anything that is not a list of user ids. */
export function parseUserIds(text: string): { ids: number[] } | { error: string } {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  if (parts.length === 0) return { error: 'Type at least one user id.' };
  const bad = parts.find((p) => !/^\d{1,10}$/.test(p) || Number(p) < 1 || Number(p) > 2_147_483_647);
  if (bad !== undefined) return { error: `"${bad}" is not a user id.` };
  const ids = [...new Set(parts.map(Number))];
  if (ids.length > MAX_SCOPE_USERS)
    return { error: `At most ${formatCount(MAX_SCOPE_USERS)} users; choose "every user" instead.` };
  return { ids };
}

export function scopeOf(kind: ScopeKind, usersText: string): RecoveryScope | { error: string } {
  if (kind !== 'users') return kind;
  const parsed = parseUserIds(usersText);
  return 'error' in parsed ? parsed : { userIds: parsed.ids };
}

export function describeScope(scope: RecoveryScope): string {
  if (scope === 'all') return 'every user';
  if (scope === 'discrepancies') return 'every user whose copies disagree with the log';
  return scope.userIds.length === 1 ? `user ${scope.userIds[0]}` : `${scope.userIds.length} chosen users`;
}
