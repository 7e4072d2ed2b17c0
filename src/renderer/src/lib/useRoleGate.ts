import { useQuery } from '@tanstack/react-query';
import { contract, type CallName } from '../../../shared/contract';
import { roleAllows } from '../../../shared/roles';
import { sessionQueries } from '../data/session.queries';

export interface Gate {
  allowed: boolean;
  /** Why not, for a tooltip; null when allowed. */
  reason: string | null;
}

/** Whether this login's role may make a call, from the contract's least role for it. */
export function useRoleGate(name: CallName): Gate {
  const me = useQuery(sessionQueries.whoami());
  const least = contract[name].minRole;
  if (!me.data) return { allowed: false, reason: 'Not connected.' };
  if (roleAllows(me.data.role, least)) return { allowed: true, reason: null };
  return {
    allowed: false,
    reason: `Needs the ${least} role; ${me.data.login} is ${me.data.role ?? 'in no Pointkeeper role'}.`,
  };
}
