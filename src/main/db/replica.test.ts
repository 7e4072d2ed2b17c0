import { describe, expect, it } from 'vitest';
import { Freshness, lsnAtLeast } from './replica';
import { resolveTarget, withReplicaChoice } from './target';

describe('lsnAtLeast', () => {
  it('compares both hexadecimal halves as one 64-bit position', () => {
    expect(lsnAtLeast('0/3000238', '0/3000238')).toBe(true);
    expect(lsnAtLeast('0/3000239', '0/3000238')).toBe(true);
    expect(lsnAtLeast('0/FFFFFFFF', '1/0')).toBe(false);
    expect(lsnAtLeast('1/0', '0/FFFFFFFF')).toBe(true);
    // Not a text comparison: "A" sorts after "10" as text.
    expect(lsnAtLeast('0/A', '0/10')).toBe(false);
  });
});

describe('Freshness (read-your-writes)', () => {
  it("holds a user's reads to the position of the write that named them, until replayed", () => {
    const f = new Freshness();
    f.mark('0/100', [3]);
    expect(f.needed([3])).toEqual(['0/100']);
    expect(f.needed([4])).toEqual([]);
    expect(f.needed(null)).toEqual([]);
    f.settle((lsn) => lsnAtLeast('0/FF', lsn));
    expect(f.needed([3])).toEqual(['0/100']);
    f.settle((lsn) => lsnAtLeast('0/100', lsn));
    expect(f.needed([3])).toEqual([]);
  });

  it('holds every read to a write that named no user (a grant, a restore, a scan)', () => {
    const f = new Freshness();
    f.mark('0/200', null);
    expect(f.needed(null)).toEqual(['0/200']);
    expect(f.needed([9])).toEqual(['0/200']);
  });
});

describe('the command line’s replica', () => {
  const env = {
    DATABASE_URL: 'postgres://ops:secret@db1:5432/ledger',
    POINTKEEPER_REPLICA_URL: 'postgres://db2:5433/ledger',
  };

  it('takes the standby from POINTKEEPER_REPLICA_URL with the primary’s login and password', () => {
    const target = resolveTarget('/home', { ...env, POINTKEEPER_REPLICA_MAX_LAG: '12.5' });
    expect(target).toMatchObject({
      kind: 'server',
      replica: {
        connection: { host: 'db2', port: 5433, database: 'ledger', user: 'ops', password: 'secret' },
        maxLagSeconds: 12.5,
      },
    });
    expect(() => resolveTarget('/home', { ...env, POINTKEEPER_REPLICA_MAX_LAG: 'soon' })).toThrow(
      /POINTKEEPER_REPLICA_MAX_LAG must be a number of seconds/,
    );
  });

  it('--no-replica drops it; --replica insists on one', () => {
    const target = resolveTarget('/home', env);
    expect(withReplicaChoice(target, { POINTKEEPER_REPLICA: 'off' })).not.toHaveProperty('replica');
    expect(withReplicaChoice(target, { POINTKEEPER_REPLICA: 'on' })).toHaveProperty('replica');
    const plain = resolveTarget('/home', { DATABASE_URL: env.DATABASE_URL });
    expect(() => withReplicaChoice(plain, { POINTKEEPER_REPLICA: 'on' })).toThrow(/names no replica/);
    expect(() => withReplicaChoice({ kind: 'embedded', home: '/h' }, { POINTKEEPER_REPLICA: 'on' })).toThrow(
      /embedded database has no replica/,
    );
  });
});
