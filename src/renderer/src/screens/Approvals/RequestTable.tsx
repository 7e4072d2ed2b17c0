import type { ApprovalRequest } from '../../../../shared/contract';
import { formatDate } from '../../../../shared/format';
import { Badge } from '../../components/Badge';
import { describeRequest, STATE_LABEL, STATE_TONE } from './describe';
import type { DecisionKind } from './DecisionDialog';

interface Props {
  rows: ApprovalRequest[];
  me: string;
  selected: ReadonlySet<string>;
  onSelect(id: string, on: boolean): void;
  onDecide(decision: DecisionKind, rows: ApprovalRequest[]): void;
}

/** Requests with the preview each applies (expand a row), their live state and what I may do. */
export function RequestTable({ rows, me, selected, onSelect, onDecide }: Props) {
  if (rows.length === 0) return <p className="muted">No requests here.</p>;
  return (
    <table className="table approvals-table" aria-label="Approval requests">
      <thead>
        <tr>
          <th scope="col">
            <span className="visually-hidden">Select</span>
          </th>
          <th scope="col">Change</th>
          <th scope="col">Requested by</th>
          <th scope="col">Reason</th>
          <th scope="col">Expires</th>
          <th scope="col">State</th>
          <th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.id} data-testid="approval-row" data-request-id={r.id}>
            <td>
              {r.canDecide && (
                <input
                  type="checkbox"
                  aria-label={`Select request ${r.id}`}
                  checked={selected.has(r.id)}
                  onChange={(e) => onSelect(r.id, e.target.checked)}
                />
              )}
            </td>
            <td>
              <details>
                <summary>{describeRequest(r)}</summary>
                <pre className="mono approval-preview" aria-label="Preview">
                  {JSON.stringify(r.payload, null, 2)}
                </pre>
                {r.result !== null && r.result !== undefined && (
                  <pre className="mono approval-preview" aria-label="Result">
                    {JSON.stringify(r.result, null, 2)}
                  </pre>
                )}
              </details>
            </td>
            <td>{r.requestedBy === me ? `${r.requestedBy} (me)` : r.requestedBy}</td>
            <td>{r.reason}</td>
            <td>{formatDate(r.expiresAt)}</td>
            <td>
              <Badge tone={STATE_TONE[r.state]} title={r.state} testId="approval-state">
                {STATE_LABEL[r.state]}
              </Badge>
              {r.decidedBy && (
                <div className="muted">
                  by {r.decidedBy}
                  {r.decisionReason ? `: ${r.decisionReason}` : ''}
                </div>
              )}
            </td>
            <td className="approval-actions">
              {r.canDecide && (
                <>
                  <button
                    type="button"
                    className="button button-primary"
                    onClick={() => onDecide('approve', [r])}
                  >
                    Approve…
                  </button>
                  <button type="button" className="button" onClick={() => onDecide('deny', [r])}>
                    Deny…
                  </button>
                </>
              )}
              {r.requestedBy === me && (r.state === 'pending' || r.state === 'approved') && (
                <button type="button" className="button button-ghost" onClick={() => onDecide('cancel', [r])}>
                  Withdraw…
                </button>
              )}
              {!r.canDecide && r.requestedBy === me && r.state === 'pending' && (
                <span className="muted" data-testid="approval-own">
                  Another login must approve
                </span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
