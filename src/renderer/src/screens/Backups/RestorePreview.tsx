import type { InspectResult, RestorePlan, RestoreResult } from '../../../../shared/contract';

export function InspectSummary({ info }: { info: InspectResult }) {
  const h = info.header;
  return (
    <div className="backup-summary" data-testid="inspect-summary">
      <p>
        <strong>{h.scope === 'full' ? 'Everything' : `${h.scope.userIds.length} user(s)`}</strong> from{' '}
        {h.source.database} on {h.source.server}, taken {new Date(h.createdAt).toLocaleString()} by{' '}
        {h.createdBy} (format v{h.version}, schema {h.schemaVersion}).
      </p>
      <p>
        Checksum:{' '}
        {info.checksum.valid ? (
          <span className="badge">valid</span>
        ) : (
          <span className="badge badge-error">invalid</span>
        )}{' '}
        {Object.entries(info.counts)
          .map(([t, n]) => `${t} ${n.toLocaleString()}`)
          .join(' · ')}
      </p>
      {info.problem && <p className="field-error">{info.problem}</p>}
    </div>
  );
}

export function PlanView({ plan }: { plan: RestorePlan }) {
  return (
    <div data-testid="restore-preview">
      <p data-testid="restore-signature">
        <span className={`badge ${plan.signature.status === 'this_database' ? '' : 'badge-error'}`}>
          {plan.signature.status === 'this_database'
            ? 'signed here'
            : plan.signature.status === 'unsigned'
              ? 'unsigned'
              : 'other key'}
        </span>{' '}
        {plan.signature.text}
      </p>
      <table className="simple-table">
        <thead>
          <tr>
            <th>Table</th>
            <th className="num">In file</th>
            <th className="num">Insert</th>
            <th className="num">Identical</th>
            <th className="num">Conflicting</th>
            <th className="num">Remove</th>
          </tr>
        </thead>
        <tbody>
          {plan.tables.map((t) => (
            <tr key={t.table}>
              <td className="mono">{t.table}</td>
              <td className="num">{t.inFile.toLocaleString()}</td>
              <td className="num">{t.insert.toLocaleString()}</td>
              <td className="num">{t.identical.toLocaleString()}</td>
              <td className="num">{t.conflicting.toLocaleString()}</td>
              <td className="num">{t.remove.toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3 className="backup-subtitle">Balances that change: {plan.balances.changed.toLocaleString()}</h3>
      {plan.balances.shown.length > 0 && (
        <ul className="backup-list" aria-label="Balance changes">
          {plan.balances.shown.slice(0, 50).map((b) => (
            <li key={b.userId}>
              User {b.userId}: {b.before.toLocaleString()} → <strong>{b.after.toLocaleString()}</strong>
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
    <div className="notice notice-info" data-testid="restore-result">
      <div>
        <strong>Restored in {result.seconds} s.</strong>{' '}
        {Object.entries(result.applied)
          .map(([t, c]) => `${t}: +${c.inserted} ~${c.updated} −${c.removed}`)
          .join(' · ')}
        . Checked {result.checks.users} user(s): {result.checks.chainBreaks} broken chain links,{' '}
        {result.checks.copyMismatches} copy mismatches. Safety backup:{' '}
        <span className="mono">{result.safetyBackup ?? 'nothing existed to save'}</span>
      </div>
    </div>
  );
}
