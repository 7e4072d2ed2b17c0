import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { UserAudit as Audit } from '../../../../shared/contract';
import { formatCount, formatPoints } from '../../../../shared/format';
import { Badge } from '../../components/Badge';
import { hrefOf, navigate } from '../../app/router';
import { ErrorNotice } from '../../components/ErrorNotice';
import { auditQueries } from '../../data/audit.queries';
import { DiscrepancyTable } from './DiscrepancyTable';
import { ReportExport } from '../../components/ReportExport';

function Check({ ok, label, detail }: { ok: boolean; label: string; detail?: string | undefined }) {
  return (
    <Badge tone={ok ? 'ok' : 'bad'} className="audit-badge" title={detail}>
      {label}
    </Badge>
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
        <Check
          ok={audit.dataIntegrity.transactionsMatchUserPoints}
          label={
            audit.dataIntegrity.transactionsMatchUserPoints
              ? 'Stored balance matches the log'
              : 'Stored balance differs from the log'
          }
          detail="user_points compared with SUM(points) of points_transactions"
        />
        <Check
          ok={audit.dataIntegrity.legacyRewardsMatch}
          label={audit.dataIntegrity.legacyRewardsMatch ? 'Legacy copy matches' : 'Legacy copy differs'}
          detail="users.rewards compared with the log's balance"
        />
        <Check
          ok={chain.verified}
          label={
            chain.verified
              ? `Hash chain intact (${formatCount(chain.rowsChecked)} rows)`
              : 'Hash chain broken'
          }
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
          <dt>Balance in the log</dt>
          <dd>{formatPoints(audit.summary.current_points)}</dd>
        </div>
        <div className="stat">
          <dt title="user_points.points">Stored balance</dt>
          <dd>{audit.userPointsRecord ? formatPoints(audit.userPointsRecord.points) : 'missing'}</dd>
        </div>
        <div className="stat">
          <dt title="users.rewards">Legacy copy</dt>
          <dd>{formatPoints(audit.legacyRewards.rewards)}</dd>
        </div>
        <div className="stat">
          <dt>Earned / redeemed in the log</dt>
          <dd>
            {formatPoints(audit.summary.total_points_earned)} /{' '}
            {formatPoints(audit.summary.total_points_redeemed)}
          </dd>
        </div>
        <div className="stat">
          <dt>Transactions</dt>
          <dd>{formatCount(audit.summary.total_transactions)}</dd>
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
