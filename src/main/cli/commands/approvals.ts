import { Option, type Command } from 'commander';
import {
  APPROVAL_KINDS,
  APPROVAL_STATES,
  APPROVAL_VIEWS,
  type ApprovalDecision,
  type ApprovalKind,
  type ApprovalRequest,
  type ApprovalState,
  type ApprovalView,
} from '../../../shared/contract/approvals';
import { printFields, printJson, printTable } from '../output';
import { wholeNumber } from '../parse';
import { CliExit, EXIT, withCli } from '../runtime';

const summary = (r: ApprovalRequest) => ({
  id: r.id,
  kind: r.kind,
  state: r.state,
  points: r.points,
  users: r.users,
  requestedBy: r.requestedBy,
  createdAt: r.createdAt,
  expiresAt: r.expiresAt,
  decidedBy: r.decidedBy,
  reason: r.reason,
});

/** A decision that marked the request stale or expired applied nothing: a refusal for scripts. */
function decided(json: boolean | undefined, d: ApprovalDecision): void {
  if (json) printJson(d);
  else process.stdout.write(`${d.message}\n`);
  if (!d.applied && (d.state === 'stale' || d.state === 'expired'))
    throw new CliExit(EXIT.REFUSED, `error [CONFLICT]: ${d.message}`, {
      code: 'CONFLICT',
      detail: d.message,
      reported: json === true,
    });
}

export function approvalsCommands(program: Command): void {
  const approvals = program
    .command('approvals')
    .description('Maker-checker: requests a policy made of large changes, and their decisions');
  approvals
    .command('list')
    .description('Requests: waiting for my decision (default), mine, or all (admins and auditors)')
    .addOption(new Option('--view <view>', 'which requests').choices(APPROVAL_VIEWS).default('waiting'))
    .addOption(new Option('--state <state...>', 'only these states').choices(APPROVAL_STATES))
    .option('--limit <n>', 'at most this many (1–500)', wholeNumber, 100)
    .option('--json', 'print JSON')
    .action((o: { view: ApprovalView; state?: ApprovalState[]; limit: number; json?: boolean }) =>
      withCli(async (cli) => {
        const rows = await cli.call('approvals.list', {
          view: o.view,
          limit: o.limit,
          ...(o.state ? { states: o.state } : {}),
        });
        if (o.json) printJson(rows);
        else
          printTable(rows.map(summary), [
            'id',
            'kind',
            'state',
            'points',
            'users',
            'requestedBy',
            'expiresAt',
            'reason',
          ]);
      }),
    );
  approvals
    .command('show')
    .description('One request with the exact preview it applies')
    .argument('<id>', 'request id')
    .option('--json', 'print JSON')
    .action((id: string, o: { json?: boolean }) =>
      withCli(async (cli) => {
        const r = await cli.call('approvals.show', { id });
        if (o.json) return printJson(r);
        printFields({
          ...summary(r),
          decisionReason: r.decisionReason,
          appliedBy: r.appliedBy,
          canDecide: r.canDecide,
        });
        process.stdout.write(`preview:\n${JSON.stringify(r.payload, null, 2)}\n`);
        if (r.result) process.stdout.write(`result:\n${JSON.stringify(r.result, null, 2)}\n`);
      }),
    );
  approvals
    .command('approve')
    .description('Approve requests (never your own); an earn/redeem is applied at once, exactly as previewed')
    .argument('<ids...>', 'request id(s); several must be of one kind')
    .requiredOption('--reason <text>', 'why you approve')
    .option('--json', 'print JSON')
    .action((ids: string[], o: { reason: string; json?: boolean }) =>
      withCli(async (cli) => {
        if (ids.length === 1)
          return decided(o.json, await cli.call('approvals.approve', { id: ids[0]!, reason: o.reason }));
        const results = await cli.call('approvals.approveMany', { ids, reason: o.reason });
        if (o.json) printJson(results);
        else
          for (const r of results)
            process.stdout.write(`${r.id}: ${r.decision?.message ?? `refused: ${r.error}`}\n`);
        const failed = results.filter(
          (r) => !r.ok || (!r.decision?.applied && r.decision?.state !== 'approved'),
        );
        if (failed.length > 0)
          throw new CliExit(
            EXIT.REFUSED,
            `error [CONFLICT]: ${failed.length} of ${ids.length} were not approved.`,
            {
              code: 'CONFLICT',
              reported: o.json === true,
            },
          );
      }),
    );
  approvals
    .command('deny')
    .description('Deny a request: it can never apply')
    .argument('<id>', 'request id')
    .requiredOption('--reason <text>', 'why you deny it')
    .option('--json', 'print JSON')
    .action((id: string, o: { reason: string; json?: boolean }) =>
      withCli(async (cli) => decided(o.json, await cli.call('approvals.deny', { id, reason: o.reason }))),
    );
  approvals
    .command('cancel')
    .description('Withdraw your own pending request')
    .argument('<id>', 'request id')
    .requiredOption('--reason <text>', 'why you withdraw it')
    .option('--json', 'print JSON')
    .action((id: string, o: { reason: string; json?: boolean }) =>
      withCli(async (cli) => decided(o.json, await cli.call('approvals.cancel', { id, reason: o.reason }))),
    );

  const policies = program.command('policies').description('Which changes need a second person’s approval');
  policies
    .command('list')
    .description('The approval policy of each kind')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) =>
      withCli(async (cli) => {
        const rows = await cli.call('policies.list', {});
        if (o.json) printJson(rows);
        else
          printTable(
            rows.map((p) => ({ ...p, enabled: p.enabled ? 'yes' : 'no' })),
            [
              'kind',
              'enabled',
              'pointsAbove',
              'usersAbove',
              'approverRole',
              'expiresHours',
              'updatedBy',
              'updatedAt',
            ],
          );
      }),
    );
  policies
    .command('set')
    .description('Set one kind’s policy (admin). No threshold: every such change needs approval')
    .addOption(
      new Option('--kind <kind>', 'what the policy covers').choices(APPROVAL_KINDS).makeOptionMandatory(),
    )
    .addOption(new Option('--enabled <yes|no>', 'on or off').choices(['yes', 'no']).makeOptionMandatory())
    .option('--points-above <n>', 'covered above this many points', wholeNumber)
    .option('--users-above <n>', 'covered above this many users (not for earn/redeem)', wholeNumber)
    .addOption(
      new Option('--approver-role <role>', 'who approves').choices(['operator', 'admin']).default('admin'),
    )
    .option('--expires-hours <n>', 'how long a request waits (1–720)', wholeNumber, 72)
    .requiredOption('--reason <text>', 'why the policy changes')
    .option('--json', 'print JSON')
    .action(
      (o: {
        kind: ApprovalKind;
        enabled: 'yes' | 'no';
        pointsAbove?: number;
        usersAbove?: number;
        approverRole: 'operator' | 'admin';
        expiresHours: number;
        reason: string;
        json?: boolean;
      }) =>
        withCli(async (cli) => {
          const p = await cli.call('policies.set', {
            kind: o.kind,
            enabled: o.enabled === 'yes',
            pointsAbove: o.pointsAbove ?? null,
            usersAbove: o.usersAbove ?? null,
            approverRole: o.approverRole,
            expiresHours: o.expiresHours,
            reason: o.reason,
          });
          if (o.json) printJson(p);
          else printFields({ ...p });
        }),
    );
}
