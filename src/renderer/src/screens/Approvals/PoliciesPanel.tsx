import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { ApprovalPolicy } from '../../../../shared/contract';
import { formatDate, formatPoints } from '../../../../shared/format';
import { ErrorNotice } from '../../components/ErrorNotice';
import { approvalsMutations } from '../../data/approvals.mutations';
import { approvalsQueries } from '../../data/approvals.queries';
import { useRoleGate } from '../../lib/useRoleGate';

const optionalWhole = (text: string): number | null => (text.trim() === '' ? null : Number(text));

function coverage(p: ApprovalPolicy): string {
  if (!p.enabled) return 'Off';
  if (p.pointsAbove === null && p.usersAbove === null) return `Every ${p.kind}`;
  return [
    p.pointsAbove !== null ? `above ${formatPoints(p.pointsAbove)}` : null,
    p.usersAbove !== null ? `above ${p.usersAbove} users` : null,
  ]
    .filter(Boolean)
    .join(' or ');
}

/** One policy: read by all, edited inline by an admin (with a reason, logged in the database). */
function PolicyRow({ policy, editable }: { policy: ApprovalPolicy; editable: boolean }) {
  const client = useQueryClient();
  const save = useMutation(approvalsMutations.setPolicy(client));
  const [editing, setEditing] = useState(false);
  const [enabled, setEnabled] = useState(policy.enabled);
  const [points, setPoints] = useState(policy.pointsAbove?.toString() ?? '');
  const [users, setUsers] = useState(policy.usersAbove?.toString() ?? '');
  const [role, setRole] = useState(policy.approverRole);
  const [hours, setHours] = useState(String(policy.expiresHours));
  const [reason, setReason] = useState('');
  const oneUser = policy.kind === 'earn' || policy.kind === 'redeem';
  if (!editing)
    return (
      <tr data-testid="policy-row" data-kind={policy.kind}>
        <th scope="row">{policy.kind}</th>
        <td>{coverage(policy)}</td>
        <td>{policy.approverRole}</td>
        <td>{policy.expiresHours} h</td>
        <td className="muted">
          {policy.updatedBy}, {formatDate(policy.updatedAt)}
        </td>
        <td>
          {editable && (
            <button type="button" className="button" onClick={() => setEditing(true)}>
              Edit
            </button>
          )}
        </td>
      </tr>
    );
  return (
    <tr data-testid="policy-row" data-kind={policy.kind}>
      <th scope="row">{policy.kind}</th>
      <td colSpan={4}>
        <form
          className="policy-form"
          aria-label={`Policy for ${policy.kind}`}
          onSubmit={(e) => {
            e.preventDefault();
            save.mutate(
              {
                kind: policy.kind,
                enabled,
                pointsAbove: optionalWhole(points),
                usersAbove: oneUser ? null : optionalWhole(users),
                approverRole: role,
                expiresHours: Number(hours),
                reason,
              },
              { onSuccess: () => setEditing(false) },
            );
          }}
        >
          <label>
            <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> On
          </label>
          <label>
            Points above{' '}
            <input
              name="pointsAbove"
              inputMode="numeric"
              value={points}
              onChange={(e) => setPoints(e.target.value)}
            />
          </label>
          {!oneUser && (
            <label>
              Users above{' '}
              <input
                name="usersAbove"
                inputMode="numeric"
                value={users}
                onChange={(e) => setUsers(e.target.value)}
              />
            </label>
          )}
          <label>
            Approver{' '}
            <select value={role} onChange={(e) => setRole(e.target.value as ApprovalPolicy['approverRole'])}>
              <option value="admin">admin</option>
              <option value="operator">operator</option>
            </select>
          </label>
          <label>
            Expires after (h){' '}
            <input
              name="expiresHours"
              inputMode="numeric"
              value={hours}
              onChange={(e) => setHours(e.target.value)}
            />
          </label>
          <label>
            Reason <input name="reason" value={reason} onChange={(e) => setReason(e.target.value)} />
          </label>
          <button type="submit" className="button button-primary" disabled={save.isPending}>
            Save
          </button>
          <button type="button" className="button button-ghost" onClick={() => setEditing(false)}>
            Cancel
          </button>
          <span className="muted">No threshold: every {policy.kind} needs approval.</span>
        </form>
      </td>
    </tr>
  );
}

export function PoliciesPanel() {
  const policies = useQuery(approvalsQueries.policies());
  const gate = useRoleGate('policies.set');
  return (
    <section className="card" aria-label="Approval policies">
      <h2 className="card-title">Policies</h2>
      {policies.isError && <ErrorNotice title="The policies could not be loaded" error={policies.error} />}
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Kind</th>
            <th scope="col">Needs approval</th>
            <th scope="col">Approver</th>
            <th scope="col">Request lives</th>
            <th scope="col">Last changed</th>
            <th scope="col">
              <span className="visually-hidden">Edit</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {(policies.data ?? []).map((p) => (
            <PolicyRow key={`${p.kind}-${p.updatedAt}`} policy={p} editable={gate.allowed} />
          ))}
        </tbody>
      </table>
    </section>
  );
}
