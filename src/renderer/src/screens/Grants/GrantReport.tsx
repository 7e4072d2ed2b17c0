import { formatCount, formatPoints, formatSignedPoints } from '../../../../shared/format';
import type { GrantCheck, GrantImport } from '../../../../shared/contract';

/** Every problem by line: the file was refused whole. */
export function ProblemList({ check }: { check: GrantCheck }) {
  return (
    <div data-testid="grants-problems">
      <div className="notice notice-error" role="alert">
        <div>
          <strong>
            {formatCount(check.problemCount)} problem{check.problemCount === 1 ? '' : 's'} in {check.fileName}
            .
          </strong>{' '}
          Nothing was written: fix the file and check it again.
        </div>
      </div>
      <table className="simple-table sticky-head" aria-label="Problems by line">
        <thead>
          <tr>
            <th scope="col">Line</th>
            <th scope="col">Problem</th>
          </tr>
        </thead>
        <tbody>
          {check.problems.map((p, i) => (
            <tr key={`${p.line}-${i}`}>
              <td className="num">{p.line}</td>
              <td>{p.problem}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {check.problemCount > check.problems.length && (
        <p className="muted">… and {formatCount(check.problemCount - check.problems.length)} more.</p>
      )}
    </div>
  );
}

/** What applying the file will do: totals, per type, and the first users with their rows. */
export function GrantPreviewView({ check }: { check: GrantCheck }) {
  const p = check.preview!;
  return (
    <div data-testid="grants-preview">
      <p>
        <strong>{formatCount(p.rows)} rows</strong> for <strong>{formatCount(p.users)} users</strong>:{' '}
        <span className="num">+{formatPoints(p.pointsCredited)}</span> credited,{' '}
        <span className="num">−{formatPoints(p.pointsDebited)}</span> debited.
        {p.alreadyApplied > 0 &&
          ` ${formatCount(p.alreadyApplied)} rows are already in the ledger and will replay.`}
      </p>
      <table className="simple-table" aria-label="Totals by type">
        <thead>
          <tr>
            <th scope="col">Type</th>
            <th scope="col">Rows</th>
            <th scope="col">Points</th>
          </tr>
        </thead>
        <tbody>
          {p.byType.map((t) => (
            <tr key={t.type}>
              <td>{t.type}</td>
              <td className="num">{formatCount(t.rows)}</td>
              <td className="num">{formatSignedPoints(t.points)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table className="simple-table sticky-head" aria-label="First users">
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col">Rows</th>
            <th scope="col">First rows</th>
            <th scope="col">Balance now → after</th>
          </tr>
        </thead>
        <tbody>
          {p.firstUsers.map((u) => (
            <tr key={u.userId}>
              <td>
                {u.name}{' '}
                <span className="muted">
                  #{u.userId} {u.email}
                </span>
              </td>
              <td className="num">{formatCount(u.rowCount)}</td>
              <td>
                {u.rows.map((r) => (
                  <div key={r.line}>
                    <span className="muted">line {r.line}</span> {formatSignedPoints(r.points)} {r.type} —{' '}
                    {r.description}
                  </div>
                ))}
              </td>
              <td className="num">
                {formatPoints(u.balanceNow)} → {formatPoints(u.balanceAfter)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ImportSummary({ imp }: { imp: GrantImport }) {
  return (
    <p data-testid="grants-done">
      <strong>Import {imp.status}.</strong> {formatCount(imp.rowsApplied)} applied,{' '}
      {formatCount(imp.rowsReplayed)} replayed, {formatCount(imp.rowsRefused)} refused of{' '}
      {formatCount(imp.rows)} rows.
    </p>
  );
}
