import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecoveryAction, RecoveryEvidence } from '../src/shared/contract';
import { createTestDb, type TestDb } from './support/db';
import { chainRecords, ledgerSnapshot, storedCopies, uncleanUsers } from './support/ledgerCheck';

/**
 * Tampering done the way an attacker with psql would, each ending as `investigate` with its
 * evidence; neither recover nor sync, applied to everyone, credits or lowers anything for them.
 */
let db: TestDb;
let nextUser = 700_000;

async function unwrap<T>(p: Promise<{ ok: true; data: T } | { ok: false; error: { message: string } }>) {
  const r = await p;
  if (!r.ok) throw new Error(r.error.message);
  return r.data;
}

/** A customer with a real history: +100, +150, +200 → the log says 450; returns their row ids. */
async function customer(): Promise<{ id: number; tx: number[] }> {
  const id = nextUser++;
  await db.knex('users').insert({ id, email: `q${id}@example.test`, name: `Quarantine ${id}` });
  const tx: number[] = [];
  for (const points of [100, 150, 200]) {
    const r = await unwrap(db.call('points.earn', { userId: id, points, description: 'order' }));
    tx.push(r.transactionId);
  }
  return { id, tx };
}

/** Behind the ledger's back: the superuser lifts the log's append-only rule for one statement. */
async function behindTheBack(sql: string, bindings: unknown[]): Promise<void> {
  await db.knex.transaction(async (trx) => {
    await trx.raw('ALTER TABLE points_transactions DISABLE TRIGGER USER');
    await trx.raw(sql, bindings as never);
    await trx.raw('ALTER TABLE points_transactions ENABLE TRIGGER USER');
  });
}

const TAMPER: Record<
  string,
  { make: (c: { id: number; tx: number[] }) => Promise<void>; evidence: RecoveryEvidence['kind'][] }
> = {
  'an earn row changed from 100 to 1000': {
    make: (c) => behindTheBack('UPDATE points_transactions SET points = 1000 WHERE id = ?', [c.tx[0]]),
    // The chain sees the edit; the operations log still says 100 was written.
    evidence: ['altered', 'logged_write_missing'],
  },
  'a 10,000-point bonus inserted with psql': {
    make: (c) =>
      behindTheBack(
        `INSERT INTO points_transactions (user_id, type, points, description, created_by)
         VALUES (?, 'bonus', 10000, 'psql', current_user)`,
        [c.id],
      ),
    evidence: ['unsealed'],
  },
  'a middle row deleted': {
    make: (c) => behindTheBack('DELETE FROM points_transactions WHERE id = ?', [c.tx[1]]),
    evidence: ['removed', 'logged_write_missing'],
  },
  'the last row deleted': {
    make: (c) => behindTheBack('DELETE FROM points_transactions WHERE id = ?', [c.tx[2]]),
    // No successor for the chain to notice: the operations log is the witness.
    evidence: ['logged_write_missing'],
  },
  'the legacy copy raised above the log': {
    make: (c) =>
      db
        .knex('users')
        .where({ id: c.id })
        .increment('rewards', 650)
        .then(() => undefined),
    evidence: ['copies_disagree'],
  },
};

const victims = new Map<string, number>();

beforeAll(async () => {
  db = await createTestDb();
  for (const [name, t] of Object.entries(TAMPER)) {
    const c = await customer();
    await t.make(c);
    victims.set(name, c.id);
  }
});
afterAll(() => db.close());

describe.each(['recover', 'sync'] as RecoveryAction[])('%s --all', (action) => {
  it('quarantines every tampered user with the evidence and credits nothing when applied', async () => {
    const ids = [...victims.values()];
    expect(await uncleanUsers(db.knex, ids)).toEqual(ids);
    const plan = await unwrap(db.call('recovery.plan', { action, scope: 'all' }));
    for (const [name, id] of victims) {
      const user = plan.users.find((u) => u.userId === id);
      expect(user?.decision, name).toBe('investigate');
      expect(user!.changes).toEqual([]);
      expect(user!.transactions).toEqual([]);
      expect(user!.evidence.map((e) => e.kind).sort(), name).toEqual([...TAMPER[name]!.evidence].sort());
      expect(user!.reason).toMatch(/recovery quarantines this user \(investigate\)/);
    }
    expect(plan.totals.usersInvestigate).toBe(ids.length);
    // A run is recorded (it applied nothing); everything else must stay as it was.
    const ledger = async () => ({ ...((await ledgerSnapshot(db.knex)) as object), runs: null });
    const before = await ledger();
    const copiesBefore = await storedCopies(db.knex);
    const run = await unwrap(
      db.call('recovery.apply', { action, scope: 'all', fingerprint: plan.fingerprint }),
    );
    expect(run.status).toBe('done');
    expect(await ledger()).toEqual(before);
    expect(run.usersChanged).toBe(0);
    const copiesAfter = await storedCopies(db.knex);
    for (const id of ids) expect(copiesAfter.get(id)).toEqual(copiesBefore.get(id));
  });
});

describe('recovery.resolve', () => {
  it('settles one quarantined user by a decision and a reason, recorded in the operations log', async () => {
    const id = victims.get('an earn row changed from 100 to 1000')!;
    const plan = await unwrap(db.call('recovery.plan', { action: 'recover', scope: { userIds: [id] } }));
    const u = plan.users[0]!;
    expect(u.log.balance).toBe(1350);
    expect(u.stored).toEqual({ points: 450, rewards: 450 });
    const expectState = { logBalance: u.log.balance, points: u.stored.points, rewards: u.stored.rewards };
    const stale = await db.call('recovery.resolve', {
      userId: id,
      decision: 'keep_stored',
      reason: 'the 1000 was typed by an attacker',
      expect: { ...expectState, points: 1 },
    });
    expect(stale).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    const r = await unwrap(
      db.call('recovery.resolve', {
        userId: id,
        decision: 'keep_stored',
        reason: 'the 1000 was typed by an attacker',
        expect: expectState,
      }),
    );
    expect(r.adjustment?.points).toBe(-900);
    expect(r.after).toEqual({ logBalance: 450, points: 450, rewards: 450 });
    expect(await uncleanUsers(db.knex, [id])).toEqual([]);
    const logged = (await db
      .knex('operations_log')
      .where({ action: 'recovery.resolve', outcome: 'ok' })
      .orderBy('id', 'desc')
      .first('input', 'actor')) as { input: Record<string, unknown> };
    expect(logged.input).toMatchObject({
      userId: id,
      decision: 'keep_stored',
      reason: 'the 1000 was typed by an attacker',
    });
    // Operators cannot decide for the ledger.
    const operator = await db.loginAs('operator');
    const other = victims.get('the legacy copy raised above the log')!;
    const refused = await operator.call('recovery.resolve', {
      userId: other,
      decision: 'accept_log',
      reason: 'looks fine to me, honestly',
      expect: { logBalance: 450, points: 450, rewards: 1100 },
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });
});

describe('tampering between preview and apply', () => {
  it('is caught by the chain check at apply even when no sum moved', async () => {
    const c = await customer();
    await db.knex('user_points').where({ user_id: c.id }).increment('points', 5);
    const plan = await unwrap(db.call('recovery.plan', { action: 'sync', scope: { userIds: [c.id] } }));
    expect(plan.users.map((u) => u.decision)).toEqual(['lower_to_log']);
    // Only the description changes: the state apply rechecks (sums, dates) stays the same, so
    // only the chain — hashed again because the row is a new version — can notice.
    await behindTheBack(`UPDATE points_transactions SET description = 'edited' WHERE id = ?`, [c.tx[1]]);
    const before = await ledgerSnapshot(db.knex);
    const r = await db.call('recovery.apply', {
      action: 'sync',
      scope: { userIds: [c.id] },
      fingerprint: plan.fingerprint,
    });
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT', message: expect.stringContaining('chain') },
    });
    expect(await ledgerSnapshot(db.knex)).toEqual(before);
  });

  it('an untouched user is applied without hashing their rows again', async () => {
    const c = await customer();
    await db.knex('user_points').where({ user_id: c.id }).increment('points', 5);
    const plan = await unwrap(db.call('recovery.plan', { action: 'sync', scope: { userIds: [c.id] } }));
    const verified = await db.knex('recovery_chain_verified').where({ user_id: c.id }).first();
    expect(verified?.versions).toMatch(/^-?\d+$/);
    const run = await unwrap(
      db.call('recovery.apply', {
        action: 'sync',
        scope: { userIds: [c.id] },
        fingerprint: plan.fingerprint,
      }),
    );
    expect(run).toMatchObject({ status: 'done', usersChanged: 1 });
    expect(await uncleanUsers(db.knex, [c.id])).toEqual([]);
  });
});

describe('a second preview', () => {
  /** A customer whose balance copy is off by 5, previewed once: the preview records their rows. */
  async function previewedOnce(): Promise<{ id: number; tx: number[] }> {
    const c = await customer();
    await db.knex('user_points').where({ user_id: c.id }).increment('points', 5);
    await unwrap(db.call('recovery.plan', { action: 'sync', scope: { userIds: [c.id] } }));
    expect(await db.knex('recovery_chain_verified').where({ user_id: c.id }).first()).toBeDefined();
    return c;
  }

  const decisionOf = async (id: number) =>
    (await unwrap(db.call('recovery.plan', { action: 'sync', scope: { userIds: [id] } }))).users[0];

  it('hashes again a chain whose rows changed since the first one found it intact', async () => {
    const c = await previewedOnce();
    // Sums and dates stay the same: only the chain, hashed again for the new row version, notices.
    await behindTheBack(`UPDATE points_transactions SET description = 'edited' WHERE id = ?`, [c.tx[1]]);
    const user = await decisionOf(c.id);
    expect(user?.decision).toBe('investigate');
    expect(user?.evidence.map((e) => e.kind)).toContain('altered');
  });

  it('trusts the record of rows that did not change, without hashing them', async () => {
    const c = await previewedOnce();
    // The record is the database's word: the owner, who alone can write it, can also reseal any
    // history. Shown here by forging one: an edit behind the triggers, then a record matching the
    // edited rows' versions. Had the preview hashed the rows, it would have found the edit.
    await behindTheBack(`UPDATE points_transactions SET description = 'edited' WHERE id = ?`, [c.tx[1]]);
    await db.knex.raw(
      `UPDATE recovery_chain_verified SET versions = (
         SELECT bit_xor(hashtidextended(t.ctid, t.xmin::text::bigint))::text FROM points_transactions t
         WHERE t.user_id = ?) WHERE user_id = ?`,
      [c.id, c.id],
    );
    expect((await decisionOf(c.id))?.decision).toBe('lower_to_log');
    // Without the record the same preview hashes the rows and quarantines the user.
    await db.knex('recovery_chain_verified').where({ user_id: c.id }).delete();
    expect((await decisionOf(c.id))?.decision).toBe('investigate');
  });
});

describe('records kept by the writes (migration 700)', () => {
  it('follow every sealed row, so an edit behind the triggers still sends the user to be hashed', async () => {
    const c = await customer();
    await unwrap(db.call('points.redeem', { userId: c.id, points: 30, description: 'spent' }));
    expect((await chainRecords(db.knex)).recorded).toContain(c.id);
    expect((await chainRecords(db.knex)).unmatched).not.toContain(c.id);
    await db.knex('user_points').where({ user_id: c.id }).increment('points', 5);
    await behindTheBack(`UPDATE points_transactions SET description = 'edited' WHERE id = ?`, [c.tx[0]]);
    expect((await chainRecords(db.knex)).unmatched).toContain(c.id);
    const plan = await unwrap(db.call('recovery.plan', { action: 'sync', scope: { userIds: [c.id] } }));
    expect(plan.users[0]?.decision).toBe('investigate');
    expect(plan.users[0]?.evidence.map((e) => e.kind)).toContain('altered');
  });

  it('cannot be written, emptied or recomputed by a staff login with psql, an admin included', async () => {
    const c = await customer();
    const admin = (await db.loginAs('admin')).session.knex;
    await expect(
      admin.raw('UPDATE recovery_chain_verified SET versions = ? WHERE user_id = ?', ['0', c.id]),
    ).rejects.toThrow(/permission denied for table recovery_chain_verified/);
    await expect(admin.raw('TRUNCATE recovery_chain_verified')).rejects.toThrow(/permission denied/);
    await expect(
      admin.raw('SELECT * FROM pointkeeper__recovery_chain_hash(ARRAY[?]::int[])', [c.id]),
    ).rejects.toThrow(/permission denied for function/);
  });

  it('are never started by a write for rows nobody checked', async () => {
    const c = await customer();
    await db.knex('recovery_chain_verified').where({ user_id: c.id }).delete();
    await unwrap(db.call('points.earn', { userId: c.id, points: 10, description: 'order' }));
    expect((await chainRecords(db.knex)).recorded).not.toContain(c.id);
  });
});
