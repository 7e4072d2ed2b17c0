import './recovery.css';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { RecoveryAction, RecoveryPlan } from '../../../../shared/contract';
import type { Route } from '../../app/router';
import { EmptyState } from '../../components/EmptyState';
import { ErrorNotice } from '../../components/ErrorNotice';
import { recoveryMutations } from '../../data/recovery.mutations';
import { useRoleGate } from '../../lib/useRoleGate';
import { ApplyDialog } from './ApplyDialog';
import { PlanTable } from './PlanTable';
import { PlanTotals } from './PlanTotals';
import { RunProgress, RunResult } from './RunStatus';
import { scopeOf, type ScopeKind } from './scope';

const ACTIONS: Array<{ value: RecoveryAction; label: string; help: string }> = [
  {
    value: 'recover',
    label: 'Recover',
    help: 'Rebuild from the log, never lowering a balance: what the log cannot explain gets an adjustment.',
  },
  {
    value: 'sync',
    label: 'Sync',
    help: 'Set every copy to what the log says, even where that lowers a balance.',
  },
];

const SCOPES: Array<{ value: ScopeKind; label: string }> = [
  { value: 'users', label: 'These users' },
  { value: 'discrepancies', label: 'Every user with a discrepancy' },
  { value: 'all', label: 'Every user' },
];

/** `#/recovery?users=1,2` arrives with those users chosen (the audit report links here). */
export function RecoveryScreen({ route }: { route: Route }) {
  const users = route.params.get('users') ?? '';
  return <RecoveryWork key={users} initialUsers={users} />;
}

function RecoveryWork({ initialUsers }: { initialUsers: string }) {
  const client = useQueryClient();
  const gate = useRoleGate('recovery.apply');
  const [action, setAction] = useState<RecoveryAction>('recover');
  const [kind, setKind] = useState<ScopeKind>(initialUsers ? 'users' : 'discrepancies');
  const [usersText, setUsersText] = useState(initialUsers.replaceAll(',', ', '));
  const [confirming, setConfirming] = useState(false);
  const [runId, setRunId] = useState<string | null>(null);
  const plan = useMutation(recoveryMutations.plan());
  const apply = useMutation(recoveryMutations.apply(client));
  const scope = scopeOf(kind, usersText);
  const scopeError = typeof scope === 'object' && 'error' in scope ? scope.error : null;

  const changed = (fn: () => void) => {
    fn();
    plan.reset();
    apply.reset();
  };
  const preview = (e?: FormEvent) => {
    e?.preventDefault();
    if (scopeError || (typeof scope === 'object' && 'error' in scope)) return;
    apply.reset();
    plan.mutate({ action, scope, limit: 500 });
  };
  const confirm = (p: RecoveryPlan) => {
    const id = crypto.randomUUID();
    setRunId(id);
    setConfirming(false);
    apply.mutate({ action: p.action, scope: p.scope, fingerprint: p.fingerprint, runId: id });
  };

  return (
    <section className="screen recovery-screen" aria-labelledby="recovery-title">
      <header className="screen-header">
        <h1 id="recovery-title">Recovery</h1>
        <p className="screen-meta">Preview, then apply exactly what was previewed.</p>
      </header>
      <form className="card recovery-form" onSubmit={preview} aria-label="What to recover">
        <fieldset>
          <legend>Action</legend>
          {ACTIONS.map((a) => (
            <label key={a.value} className="choice">
              <input
                type="radio"
                name="action"
                value={a.value}
                checked={action === a.value}
                onChange={() => changed(() => setAction(a.value))}
              />
              <span>
                <strong>{a.label}</strong> <span className="muted">{a.help}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Users</legend>
          {SCOPES.map((s) => (
            <label key={s.value} className="choice">
              <input
                type="radio"
                name="scope"
                value={s.value}
                checked={kind === s.value}
                onChange={() => changed(() => setKind(s.value))}
              />
              <span>{s.label}</span>
            </label>
          ))}
          {kind === 'users' && (
            <div className="field">
              <label htmlFor="recovery-users">User ids</label>
              <input
                id="recovery-users"
                value={usersText}
                placeholder="e.g. 12, 40, 977"
                aria-invalid={usersText !== '' && scopeError !== null}
                onChange={(e) => changed(() => setUsersText(e.target.value))}
              />
              {usersText !== '' && scopeError && <p className="field-error">{scopeError}</p>}
            </div>
          )}
        </fieldset>
        <div>
          <button
            type="submit"
            className="button button-primary"
            disabled={plan.isPending || scopeError !== null}
          >
            {plan.isPending ? 'Previewing…' : 'Preview'}
          </button>
        </div>
      </form>

      {plan.isPending && (
        <div className="progress" aria-label="Computing the plan">
          <div className="progress-bar" />
        </div>
      )}
      {plan.error && <ErrorNotice error={plan.error} title="Preview failed" onRetry={() => preview()} />}
      {plan.data && !apply.isPending && !apply.data && (
        <section className="card" aria-label="Preview">
          <h2 className="card-title">Preview</h2>
          <PlanTotals plan={plan.data} />
          {plan.data.totals.usersChanged +
            plan.data.totals.usersBlocked +
            plan.data.totals.usersInvestigate ===
          0 ? (
            <EmptyState title="Nothing to change">Every user in scope agrees with the log.</EmptyState>
          ) : (
            <>
              <PlanTable plan={plan.data} />
              <div className="recovery-apply">
                <button
                  type="button"
                  className="button button-primary"
                  disabled={!gate.allowed || plan.data.totals.usersChanged === 0}
                  title={gate.reason ?? undefined}
                  onClick={() => setConfirming(true)}
                >
                  Apply…
                </button>
                <span className="muted mono" title="The fingerprint of the data this plan was computed from">
                  {plan.data.fingerprint.slice(0, 12)}
                </span>
              </div>
            </>
          )}
        </section>
      )}
      {apply.isPending && runId && <RunProgress runId={runId} />}
      {apply.error && (
        <ErrorNotice error={apply.error} title="Nothing more was applied" onRetry={() => preview()} />
      )}
      {apply.data && <RunResult run={apply.data} />}
      <ApplyDialog
        plan={confirming ? (plan.data ?? null) : null}
        busy={apply.isPending}
        onCancel={() => setConfirming(false)}
        onConfirm={() => plan.data && confirm(plan.data)}
      />
    </section>
  );
}
