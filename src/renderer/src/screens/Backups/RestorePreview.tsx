import {
  formatCount,
  formatDate,
  formatDuration,
  formatPoints,
  formatSignedCount,
} from '../../../../shared/format';
import { Badge } from '../../components/Badge';
import type { InspectResult, RestorePlan, RestoreResult } from '../../../../shared/contract';

export function InspectSummary({ info }: { info: InspectResult }) {
  const h = info.header;
  return (
    <div className="backup-summary" data-testid="inspect-summary">
      <p>
        <strong>{h.scope === 'full' ? 'Everything' : `${h.scope.userIds.length} user(s)`}</strong> from{' '}
        {h.source.database} on {h.source.server}, taken {formatDate(h.createdAt)} by {h.createdBy} (format v
        {h.version}, schema {h.schemaVersion}).
      </p>
      <p>
        Checksum: {info.checksum.valid ? <Badge tone="ok">valid</Badge> : <Badge tone="bad">invalid</Badge>}{' '}
        {Object.entries(info.counts)
          .map(([t, n]) => `${t} ${formatCount(n)}`)
          .join(' · ')}
      </p>
      {info.problem && <p className="field-error">{info.problem}</p>}
    </div>
  );
}

type Applied = RestoreResult['applied'];

/**
 * Per table what the file holds and what the restore does; after a restore the same table with
 * what was done beside what was planned, so the result reads like its preview.
 */
export function PlanView({
  plan,
  applied,
  testId = 'restore-preview',
}: {
  plan: RestorePlan;
  applied?: Applied;
  testId?: string;
}) {
  return (
    <div data-testid={testId}>
      {!applied && (
        <p data-testid="restore-signature">
          <Badge tone={plan.signature.status === 'this_database' ? 'ok' : 'bad'}>
            {plan.signature.status === 'this_database'
              ? 'signed here'
              : plan.signature.status === 'unsigned'
                ? 'unsigned'
                : 'other key'}
          </Badge>{' '}
          {plan.signature.text}
        </p>
      )}
      <table className="simple-table sticky-head" aria-label={applied ? 'Restored rows' : 'Restore preview'}>
        <thead>
          <tr>
            <th>Table</th>
            <th className="num">In file</th>
            <th className="num">Insert</th>
            <th className="num">Identical</th>
            <th className="num">Conflicting</th>
            <th className="num">Remove</th>
            {applied && (
              <>
                <th className="num">Inserted</th>
                <th className="num">Updated</th>
                <th className="num">Removed</th>
              </>
            )}
          </tr>
        </thead>
        <tbody>
          {plan.tables.map((t) => {
            const done = applied?.[t.table];
            return (
              <tr key={t.table}>
                <td className="mono">{t.table}</td>
                <td className="num">{formatCount(t.inFile)}</td>
                <td className="num">{formatCount(t.insert)}</td>
                <td className="num">{formatCount(t.identical)}</td>
                <td className="num">{formatCount(t.conflicting)}</td>
                <td className="num">{formatCount(t.remove)}</td>
                {applied && (
                  <>
                    <td className="num strong">{formatCount(done?.inserted ?? 0)}</td>
                    <td className="num strong">{formatCount(done?.updated ?? 0)}</td>
                    <td className="num strong">{formatCount(done?.removed ?? 0)}</td>
                  </>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
      {applied && plan.mode === 'replace' && (
        <p className="muted">
          Inserted, updated and removed count every row written: a replace removes the users' rows and inserts
          the file's, so rows identical to the file count on both sides.
        </p>
      )}
      <h3 className="backup-subtitle">
        Balances that {applied ? 'changed' : 'change'}: {formatCount(plan.balances.changed)}
      </h3>
      {plan.balances.shown.length > 0 && (
        <ul className="backup-list" aria-label="Balance changes">
          {plan.balances.shown.slice(0, 50).map((b) => (
            <li key={b.userId}>
              User {b.userId}: {formatPoints(b.before)} → <strong>{formatPoints(b.after)}</strong> (
              {formatSignedCount(b.after - b.before)})
            </li>
          ))}
        </ul>
      )}
      {plan.problems.length > 0 && (
        <>
          <h3 className="backup-subtitle">Rows not restored as in the file</h3>
          <ul className="backup-list" aria-label="Row problems">
            {plan.problems.slice(0, 50).map((p) => (
              <li key={`${p.table}-${p.line}`}>
                Line {p.line}, {p.table} #{p.id}: {p.problem}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

export function RestoreDone({ result }: { result: RestoreResult }) {
  return (
    <div data-testid="restore-result">
      <div className="notice notice-info" role="status">
        <div>
          <strong>
            <span aria-hidden="true">✓ </span>Restored in {formatDuration(result.seconds * 1000)}.
          </strong>{' '}
          Checked {formatCount(result.checks.users)} user(s): {result.checks.chainBreaks} broken chain links,{' '}
          {result.checks.copyMismatches} copy mismatches. Safety backup:{' '}
          <span className="mono">{result.safetyBackup ?? 'nothing existed to save'}</span>
        </div>
      </div>
      <PlanView plan={result} applied={result.applied} testId="restore-result-table" />
    </div>
  );
}
