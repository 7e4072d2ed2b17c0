import type { Command } from 'commander';
import type {
  RecoveryAction,
  RecoveryPlan,
  RecoveryRun,
  RecoveryScope,
  ResolveDecision,
} from '../../../shared/contract';
import { RESOLVE_DECISIONS } from '../../../shared/contract/recovery';
import { formatSignedPoints } from '../../../shared/format';
import { printFields, printJson, printTable } from '../output';
import { wholeNumber } from '../parse';
import { CliExit, EXIT, withCli } from '../runtime';

interface RecoveryOpts {
  user: number[];
  all?: boolean;
  discrepancies?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
  limit: number;
}

const DESCRIPTIONS: Record<RecoveryAction, string> = {
  sync: 'Rebuild user_points and users.rewards from the transaction log (a balance may go down to what the log says)',
  recover:
    'Rebuild from the log, never lowering a balance: a stored balance the log cannot explain gets an adjustment',
};

function scopeOf(o: RecoveryOpts): RecoveryScope {
  const chosen = [o.user.length > 0, o.all === true, o.discrepancies === true].filter(Boolean).length;
  if (chosen !== 1) {
    throw new CliExit(2, 'error: choose the users: --user <id> (repeatable), --discrepancies, or --all');
  }
  if (o.all) return 'all';
  if (o.discrepancies) return 'discrepancies';
  return { userIds: o.user };
}

function printPlan(plan: RecoveryPlan): void {
  const rows = plan.users.flatMap((u) => [
    ...u.changes.map((c) => ({
      user: u.userId,
      decision: u.decision,
      column: c.column,
      before: c.before,
      after: c.after,
    })),
    ...u.transactions.map((t) => ({
      user: u.userId,
      decision: u.decision,
      column: 'new adjustment',
      before: '',
      after: formatSignedPoints(t.points),
    })),
    ...(u.decision === 'blocked_negative'
      ? [{ user: u.userId, decision: u.decision, column: '(unchanged)', before: '', after: '' }]
      : []),
    ...(u.decision === 'investigate'
      ? [
          {
            user: u.userId,
            decision: u.decision,
            column: '(quarantined)',
            before: `log ${u.log.balance}`,
            after: `stored ${u.stored.points ?? 'none'} / legacy ${u.stored.rewards}`,
          },
        ]
      : []),
  ]);
  for (const u of plan.users.filter((x) => x.decision === 'investigate')) {
    process.stdout.write(`\nuser ${u.userId}: investigate — nothing is applied.\n`);
    for (const e of u.evidence) process.stdout.write(`  - ${e.detail}\n`);
    process.stdout.write(
      `  Resolve: pointkeeper recovery resolve --user ${u.userId} --decision accept_log|keep_stored --reason "…"\n`,
    );
  }
  printTable(rows, ['user', 'decision', 'column', 'before', 'after']);
  if (plan.truncated) process.stdout.write(`… only the first ${plan.users.length} users are listed\n`);
  const t = plan.totals;
  process.stdout.write('\n');
  printFields({
    action: plan.action,
    'users in scope': t.usersInScope,
    'users changed': t.usersChanged,
    'users blocked': t.usersBlocked,
    'users to investigate': t.usersInvestigate,
    'rows created': t.rowsCreated,
    'balances raised': `${t.balancesRaised.users} users, +${t.balancesRaised.points} points`,
    'balances lowered': `${t.balancesLowered.users} users, -${t.balancesLowered.points} points`,
    'legacy copies lowered': `${t.legacyLowered.users} users, ${formatSignedPoints(-t.legacyLowered.points)}`,
    adjustments: `${t.adjustments.count}, ${formatSignedPoints(t.adjustments.points)}`,
    chunks: t.chunks,
    fingerprint: plan.fingerprint,
  });
}

function printRun(run: RecoveryRun): void {
  printFields({
    run: run.runId,
    status: run.status,
    chunks: `${run.chunksDone}/${run.chunksTotal}`,
    'users changed': run.usersChanged,
    'rows created': run.rowsCreated,
    adjustments: `${run.adjustments} (${formatSignedPoints(run.adjustmentPoints)})`,
    'operations log': 'pointkeeper log --action recovery.',
  });
}

/**
 * Preview, then apply only with --yes: the plan printed is the plan applied (its fingerprint
 * goes with the apply, which refuses with CONFLICT if the data moved in between).
 */
async function runAction(action: RecoveryAction, o: RecoveryOpts): Promise<void> {
  const scope = scopeOf(o);
  if (o.dryRun && o.yes) throw new CliExit(2, 'error: --dry-run and --yes contradict each other');
  await withCli(async (cli) => {
    const plan = await cli.call('recovery.plan', { action, scope, limit: o.limit });
    const nothing = plan.totals.usersChanged === 0;
    if (o.dryRun || !o.yes || nothing) {
      if (o.json) printJson(plan);
      else printPlan(plan);
      if (nothing && !o.dryRun)
        process.stderr.write(
          plan.totals.usersInvestigate > 0
            ? `Nothing to apply: ${plan.totals.usersInvestigate} user(s) quarantined (investigate); resolve each with pointkeeper recovery resolve.\n`
            : 'Nothing to change: every user in scope agrees with the log.\n',
        );
      if (o.dryRun || nothing) return;
      throw new CliExit(
        EXIT.PREVIEW,
        `Nothing was changed: this was a preview. Run the same command with --yes to apply it, or --dry-run to only preview.`,
      );
    }
    const run = await cli.call('recovery.apply', { action, scope, fingerprint: plan.fingerprint });
    if (o.json) printJson({ plan, run });
    else {
      printPlan(plan);
      process.stdout.write('\n');
      printRun(run);
    }
  });
}

interface ResolveOpts {
  user: number;
  decision: string;
  reason: string;
  json?: boolean;
}

/** One quarantined user, resolved by an explicit decision and a reason, against the state just read. */
async function runResolve(o: ResolveOpts): Promise<void> {
  if (!RESOLVE_DECISIONS.includes(o.decision as ResolveDecision))
    throw new CliExit(2, `error: --decision is one of ${RESOLVE_DECISIONS.join(', ')}`);
  await withCli(async (cli) => {
    const plan = await cli.call('recovery.plan', {
      action: 'recover',
      scope: { userIds: [o.user] },
      limit: 1,
    });
    const u = plan.users[0];
    if (!u || u.decision !== 'investigate')
      throw new CliExit(2, `User ${o.user} is not quarantined: use recover or sync for them.`);
    const r = await cli.call('recovery.resolve', {
      userId: o.user,
      decision: o.decision as ResolveDecision,
      reason: o.reason,
      expect: { logBalance: u.log.balance, points: u.stored.points, rewards: u.stored.rewards },
    });
    if (o.json) return printJson(r);
    printFields({
      user: r.userId,
      decision: r.decision,
      reason: r.reason,
      adjustment: r.adjustment
        ? `${formatSignedPoints(r.adjustment.points)} (transaction ${r.adjustment.transactionId})`
        : 'none',
      before: `log ${r.before.logBalance}, user_points ${r.before.points ?? 'none'}, users.rewards ${r.before.rewards}`,
      after: `log ${r.after.logBalance}, user_points ${r.after.points}, users.rewards ${r.after.rewards}`,
      'operations log': 'pointkeeper log --action recovery.resolve',
    });
  });
}

const collectUser = (value: string, previous: number[]) => [...previous, wholeNumber(value)];

export function recoveryCommands(program: Command): void {
  for (const action of ['sync', 'recover'] as const) {
    program
      .command(action)
      .description(DESCRIPTIONS[action])
      .option('--user <id>', 'a user to include (repeatable)', collectUser, [] as number[])
      .option('--discrepancies', 'every user whose copies disagree with the log')
      .option('--all', 'every user')
      .option('--dry-run', 'only print the plan')
      .option('--yes', 'apply the plan without asking')
      .option('--limit <n>', 'users listed in the plan (0–10000)', wholeNumber, 500)
      .option('--json', 'print JSON')
      .action((o: RecoveryOpts) => runAction(action, o));
  }
  program
    .command('recovery')
    .description('Recovery decisions a person makes')
    .command('resolve')
    .description('Resolve one quarantined (investigate) user with a decision and a written reason')
    .requiredOption('--user <id>', 'the user', wholeNumber)
    .requiredOption('--decision <decision>', `${RESOLVE_DECISIONS.join(' or ')}`)
    .requiredOption('--reason <text>', 'why (recorded in the operations log)')
    .option('--json', 'print JSON')
    .action((o: ResolveOpts) => runResolve(o));
}
