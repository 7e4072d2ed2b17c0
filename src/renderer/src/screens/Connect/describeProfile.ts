import type { Profile } from '../../../../shared/contract';

/** Where a profile points, as a person reads it. */
export function whereOf(p: Profile): string {
  if (p.kind === 'embedded') return 'PostgreSQL on this computer, started by Pointkeeper';
  return `${p.login}@${p.host}:${p.port}/${p.database}`;
}
