import { describe, expect, it } from 'vitest';
import { contract, type CallName } from '../../shared/contract';
import { REPLICA_READS, usersOf } from './routing';

describe('routing to the replica', () => {
  it('routes reads only: no write, no local call ever reaches the standby', () => {
    for (const name of REPLICA_READS) {
      const kind = contract[name].kind;
      // The scan and the report export are actions: they read via ctx.reads, write on the primary.
      if (kind !== 'query') expect([name, kind]).toEqual([name, 'action']);
    }
    const writes = (Object.keys(contract) as CallName[]).filter((n) => contract[n].kind === 'write');
    expect(writes.length).toBeGreaterThan(5);
    for (const name of writes) expect(REPLICA_READS.has(name)).toBe(false);
  });

  it('names the users a call reads or writes', () => {
    expect(usersOf({ userId: 7, points: 1 })).toEqual([7]);
    expect(usersOf({ userIds: [1, 2] })).toEqual([1, 2]);
    expect(usersOf({ report: 'operations' })).toBeNull();
    expect(usersOf(undefined)).toBeNull();
  });
});
