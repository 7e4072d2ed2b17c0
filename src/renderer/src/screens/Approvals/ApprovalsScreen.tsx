import './approvals.css';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { ApprovalRequest, ApprovalView } from '../../../../shared/contract';
import { roleAllows } from '../../../../shared/roles';
import { hrefOf, navigate, type Route } from '../../app/router';
import { ErrorNotice } from '../../components/ErrorNotice';
import { approvalsMutations } from '../../data/approvals.mutations';
import { approvalsQueries } from '../../data/approvals.queries';
import { sessionQueries } from '../../data/session.queries';
import { describeRequest } from './describe';
import { DecisionDialog, type DecisionKind } from './DecisionDialog';
import { PoliciesPanel } from './PoliciesPanel';
import { RequestTable } from './RequestTable';

const VIEW_LABEL: Record<ApprovalView, string> = {
  waiting: 'Waiting for me',
  mine: 'My requests',
  all: 'All',
};

function viewOf(route: Route): ApprovalView {
  const v = route.params.get('view');
  return v === 'mine' || v === 'all' ? v : 'waiting';
}

const CALL: Record<DecisionKind, 'approvals.approve' | 'approvals.deny' | 'approvals.cancel'> = {
  approve: 'approvals.approve',
  deny: 'approvals.deny',
  cancel: 'approvals.cancel',
};

/**
 * Maker-checker: what waits for my decision, what I asked, and (admins, auditors) everything;
 * each with the preview it applies. The database decides who may approve; this screen only
 * offers what it would accept.
 */
export function ApprovalsScreen({ route }: { route: Route }) {
  const client = useQueryClient();
  const view = viewOf(route);
  const me = useQuery(sessionQueries.whoami());
  const list = useQuery(approvalsQueries.list(view));
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [pending, setPending] = useState<{ decision: DecisionKind; rows: ApprovalRequest[] } | null>(null);
  const decide = useMutation(approvalsMutations.decide(client, CALL[pending?.decision ?? 'approve']));
  const many = useMutation(approvalsMutations.approveMany(client));
  const seesAll = roleAllows(me.data?.role ?? null, 'admin') || me.data?.role === 'auditor';
  const views = (['waiting', 'mine', 'all'] as const).filter((v) => v !== 'all' || seesAll);
  const rows = list.data ?? [];
  const chosen = rows.filter((r) => selected.has(r.id) && r.canDecide);
  const oneKind = new Set(chosen.map((r) => r.kind)).size === 1;

  const confirm = (reason: string) => {
    if (!pending) return;
    const done = { onSettled: () => setPending(null), onSuccess: () => setSelected(new Set()) };
    if (pending.rows.length > 1) many.mutate({ ids: pending.rows.map((r) => r.id), reason }, done);
    else decide.mutate({ id: pending.rows[0]!.id, reason }, done);
  };

  return (
    <section className="screen approvals-screen" aria-labelledby="approvals-title">
      <header className="screen-header">
        <h1 id="approvals-title">Approvals</h1>
        <p className="screen-meta">
          Changes a policy covers wait here for a second login: never their requester, and applied exactly as
          previewed.
        </p>
      </header>
      <div className="segmented" role="tablist" aria-label="Which requests">
        {views.map((v) => (
          <button
            key={v}
            type="button"
            role="tab"
            aria-selected={v === view}
            className="segment"
            onClick={() => {
              setSelected(new Set());
              navigate(hrefOf(['approvals'], { view: v }), { replace: true });
            }}
          >
            {VIEW_LABEL[v]}
          </button>
        ))}
      </div>
      <section className="card" aria-label={VIEW_LABEL[view]}>
        {view === 'waiting' && (
          <div className="approvals-bulk">
            <button
              type="button"
              className="button button-primary"
              disabled={chosen.length < 2 || !oneKind}
              title={chosen.length >= 2 && !oneKind ? 'Bulk approval takes requests of one kind' : undefined}
              onClick={() => setPending({ decision: 'approve', rows: chosen })}
            >
              Approve selected ({chosen.length})…
            </button>
          </div>
        )}
        {list.isError && <ErrorNotice title="The requests could not be loaded" error={list.error} />}
        {list.isPending ? (
          <p className="muted">Loading…</p>
        ) : (
          <RequestTable
            rows={rows}
            me={me.data?.login ?? ''}
            selected={selected}
            onSelect={(id, on) =>
              setSelected((s) => {
                const next = new Set(s);
                if (on) next.add(id);
                else next.delete(id);
                return next;
              })
            }
            onDecide={(decision, picked) => setPending({ decision, rows: picked })}
          />
        )}
      </section>
      <PoliciesPanel />
      <DecisionDialog
        key={pending ? `${pending.decision}-${pending.rows.map((r) => r.id).join()}` : 'none'}
        decision={pending?.decision ?? null}
        lines={pending?.rows.map(describeRequest) ?? []}
        busy={decide.isPending || many.isPending}
        onConfirm={confirm}
        onCancel={() => setPending(null)}
      />
    </section>
  );
}
