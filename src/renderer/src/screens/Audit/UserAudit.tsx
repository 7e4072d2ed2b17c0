import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { UserAudit as Audit } from '../../../../shared/contract';
import { formatPoints } from '../../../../shared/format';
import { hrefOf, navigate } from '../../app/router';
import { ErrorNotice } from '../../components/ErrorNotice';
import { auditQueries } from '../../data/audit.queries';
import { DiscrepancyTable } from './DiscrepancyTable';
import { ReportExport } from './ReportExport';

function Badge({ ok, label, detail }: { ok: boolean; label: string; detail?: string | undefined }) {
  return (
    <span className={`badge audit-badge ${ok ? 'audit-ok' : 'audit-bad'}`} title={detail}>
      {ok ? '✓' : '✗'} {label}
    </span>
  );
}

const dayStart = (d: string) => new Date(`${d}T00:00:00`).toISOString();
const dayEnd = (d: string) => new Date(`${d}T23:59:59.999`).toISOString();

function Result({ audit }: { audit: Audit }) {
  const chain = audit.dataIntegrity.chain;
  const [from, setFrom] = useState('');
  const [to, setTo] = useState(new Date().toISOString().slice(0, 10));
  const period = from && to && from <= to;
  return (
    <div className="audit-user">
      <div className="audit-badges" aria-label="Integrity">
        <Badge ok={audit.dataIntegrity.transactionsMatchUserPoints} label="user_points matches the log" />
        <Badge ok={audit.dataIntegrity.legacyRewardsMatch} label="legacy rewards match" />
        <Badge
          ok={chain.verified}
          label={chain.verified ? `hash chain intact (${chain.rowsChecked} rows)` : 'hash chain broken'}
          detail={chain.firstBreak?.message}
        />
      </div>
      {chain.firstBreak && (
        <p className="notice notice-error" role="alert">
          {chain.firstBreak.message} ({chain.breaks} broken link{chain.breaks === 1 ? '' : 's'}).
        </p>
      )}
      <dl className="stats">
        <div className="stat">
          <dt>Balance (log)</dt>
          <dd>{formatPoints(audit.summary.current_points)}</dd>
        </div>
        <div className="stat">
          <dt>user_points</dt>
          <dd>{audit.userPointsRecord ? formatPoints(audit.userPointsRecord.points) : 'missing'}</dd>
        </div>
        <div className="stat">
          <dt>users.rewards</dt>
          <dd>{formatPoints(audit.legacyRewards.rewards)}</dd>
        </div>
        <div className="stat">
          <dt>Earned / redeemed (log)</dt>
          <dd>
            {formatPoints(audit.summary.total_points_earned)} /{' '}
            {formatPoints(audit.summary.total_points_redeemed)}
          </dd>
        </div>
        <div className="stat">
          <dt>Transactions</dt>
          <dd>{audit.summary.total_transactions.toLocaleString()}</dd>
        </div>
      </dl>
      <p>
        <a href={hrefOf(['users', audit.userId])}>Open user {audit.userId}</a>
      </p>
      {audit.dataIntegrity.discrepancies.length === 0 ? (
        <p className="muted">No discrepancies: every stored copy agrees with the log.</p>
      ) : (
        <DiscrepancyTable
          items={audit.dataIntegrity.discrepancies}
          label={`Discrepancies of user ${audit.userId}`}
        />
      )}
      <h3 className="card-title">Statement</h3>
      <div className="audit-period">
        <label>
          From <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label>
          To <input type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
      </div>
      <ReportExport
        label="the statement"
        defaultName={`statement-${audit.userId}`}
        target={
          period ? { report: 'statement', userId: audit.userId, from: dayStart(from), to: dayEnd(to) } : null
        }
      />
    </div>
  );
}

/** One user's audit: integrity badges, the figures side by side, each discrepancy with what to do. */
export function UserAudit({ userId }: { userId: number | null }) {
  const [text, setText] = useState(userId === null ? '' : String(userId));
  const audit = useQuery({ ...auditQueries.user(userId ?? 0), enabled: userId !== null });
  const valid = /^\d{1,10}$/.test(text.trim()) && Number(text) > 0;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (valid) navigate(hrefOf(['audit'], { user: text.trim() }), { replace: true });
  };
  return (
    <section className="card" aria-labelledby="audit-user-title">
      <h2 className="card-title" id="audit-user-title">
        Audit one user
      </h2>
      <form className="audit-user-form" onSubmit={submit}>
        <label htmlFor="audit-user-id">User id</label>
        <input
          id="audit-user-id"
          inputMode="numeric"
          value={text}
          aria-invalid={text !== '' && !valid}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit" className="button button-primary" disabled={!valid}>
          Audit
        </button>
      </form>
      {audit.isFetching && !audit.data && (
        <div className="progress" aria-label="Auditing">
          <div className="progress-bar" />
        </div>
      )}
      {audit.error && (
        <ErrorNotice error={audit.error} title="The audit failed" onRetry={() => void audit.refetch()} />
      )}
      {audit.data && <Result audit={audit.data} />}
    </section>
  );
}
