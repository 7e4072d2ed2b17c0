import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { DiscrepancyKind, ScanSort, ScanSummary } from '../../../../shared/contract';
import { DISCREPANCY_KINDS } from '../../../../shared/contract/audit';
import { formatCount, formatDate, formatDuration, formatPoints } from '../../../../shared/format';
import { Button } from '../../components/Button';
import { ErrorNotice } from '../../components/ErrorNotice';
import { kindLabel } from '../../lib/labels';
import { StaleNotice } from './StaleNotice';
import { auditMutations } from '../../data/audit.mutations';
import { auditQueries } from '../../data/audit.queries';
import { useProgress } from '../../data/progress';
import { DiscrepancyTable } from './DiscrepancyTable';
import { KindChart } from './KindChart';
import { ReportExport } from '../../components/ReportExport';

/**
 * The running scan's progress, pushed by the scan as it goes. The scan's row (for its id, which
 * Cancel needs) is read once, when the first event says the scan has started.
 */
function ScanProgress({ scan }: { scan: ScanSummary | undefined }) {
  const client = useQueryClient();
  const cancel = useMutation(auditMutations.cancelScan());
  const event = useProgress({ call: 'audit.scan' });
  const started = event !== null;
  useEffect(() => {
    if (started) void client.invalidateQueries({ queryKey: auditQueries.scans().queryKey });
  }, [started, client]);
  const total = event?.progress.total ?? null;
  const scanned = event?.progress.done ?? 0;
  const percent = total ? Math.min(100, Math.round((scanned / total) * 100)) : null;
  return (
    <div className="audit-progress" aria-live="polite">
      <div
        className="progress"
        role="progressbar"
        aria-label="Scanning"
        aria-valuemin={0}
        aria-valuemax={100}
        {...(percent === null ? {} : { 'aria-valuenow': percent })}
      >
        <div className="progress-bar" />
      </div>
      <p className="muted" data-testid="scan-status">
        {total !== null
          ? `Scanned ${formatCount(scanned)} of ${formatCount(total)} users`
          : 'Starting the scan…'}
      </p>
      <div>
        <Button
          variant="danger"
          size="small"
          disabled={!scan || cancel.isPending || cancel.data?.cancelled === true}
          onClick={() => scan && cancel.mutate(scan.scanId)}
        >
          {cancel.data?.cancelled ? 'Cancelling…' : 'Cancel scan'}
        </Button>
      </div>
    </div>
  );
}

function SummaryCards({ scan }: { scan: ScanSummary }) {
  const cards: Array<[string, string]> = [
    ['Users scanned', formatCount(scan.usersScanned)],
    ['Transactions', formatCount(scan.transactionsScanned)],
    ['Users with discrepancies', formatCount(scan.usersWithDiscrepancies)],
    ['Discrepancies', formatCount(scan.discrepancies)],
    ['Points at stake', formatPoints(scan.pointsAtStake)],
  ];
  return (
    <dl className="stats audit-cards" aria-label="Scan summary">
      {cards.map(([label, value]) => (
        <div className="stat" key={label}>
          <dt>{label}</dt>
          <dd data-testid={`scan-${label.toLowerCase().replaceAll(' ', '-')}`}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function Results({ scan }: { scan: ScanSummary }) {
  const [kinds, setKinds] = useState<DiscrepancyKind[]>([]);
  const [sort, setSort] = useState<ScanSort>('stake');
  const [order, setOrder] = useState<'asc' | 'desc'>('desc');
  const results = useInfiniteQuery(auditQueries.results({ scanId: scan.scanId, kinds, sort, order }));
  const items = results.data?.pages.flatMap((p) => p.items) ?? [];
  const found = DISCREPANCY_KINDS.filter((k) => scan.byKind[k].count > 0);
  const onSort = (by: ScanSort) => {
    if (by === sort) setOrder(order === 'asc' ? 'desc' : 'asc');
    else {
      setSort(by);
      setOrder(by === 'userId' || by === 'kind' ? 'asc' : 'desc');
    }
  };
  return (
    <>
      <div className="audit-filter" role="group" aria-label="Show kinds">
        {found.map((k) => (
          <label key={k} className="choice">
            <input
              type="checkbox"
              checked={kinds.includes(k)}
              onChange={(e) => setKinds(e.target.checked ? [...kinds, k] : kinds.filter((x) => x !== k))}
            />
            <span title={k}>{kindLabel(k)}</span> <span>({formatCount(scan.byKind[k].count)})</span>
          </label>
        ))}
      </div>
      {results.error && <ErrorNotice error={results.error} title="Could not load the findings" />}
      <DiscrepancyTable items={items} label="Scan findings" sort={{ by: sort, order, onSort }} />
      {results.hasNextPage && (
        <button
          type="button"
          className="button"
          disabled={results.isFetchingNextPage}
          onClick={() => void results.fetchNextPage()}
        >
          {results.isFetchingNextPage ? 'Loading…' : 'Show more'}
        </button>
      )}
      <ReportExport
        label="the discrepancy report"
        defaultName={`discrepancies-scan-${scan.scanId}`}
        target={{ report: 'scan', scanId: scan.scanId, ...(kinds.length > 0 ? { kinds } : {}) }}
      />
    </>
  );
}

/** The system scan: run it (with progress and cancel), then its summary, chart, findings and exports. */
export function ScanPanel() {
  const client = useQueryClient();
  const [verifyChain, setVerifyChain] = useState(true);
  const run = useMutation(auditMutations.scan(client));
  const scans = useQuery(auditQueries.scans());
  const latest = scans.data?.[0];
  const shown = run.isPending ? undefined : scans.data?.find((s) => s.status === 'done');
  return (
    <section className="card" aria-labelledby="audit-scan-title">
      <h2 className="card-title" id="audit-scan-title">
        System scan
      </h2>
      <div className="audit-scan-run">
        <label className="choice">
          <input type="checkbox" checked={verifyChain} onChange={(e) => setVerifyChain(e.target.checked)} />
          <span>Verify every hash chain</span>
        </label>
        <button
          type="button"
          className="button button-primary"
          disabled={run.isPending}
          onClick={() => run.mutate({ verifyChain })}
        >
          {run.isPending ? 'Scanning…' : 'Scan every user'}
        </button>
      </div>
      {run.isPending && <ScanProgress scan={latest?.status === 'running' ? latest : undefined} />}
      {run.error && <ErrorNotice error={run.error} title="The scan stopped" />}
      {shown ? (
        <>
          <p className="muted">
            Scan {shown.scanId} by {shown.startedBy}, {formatDate(shown.startedAt)}
            {shown.seconds !== null && `, took ${formatDuration(shown.seconds * 1000)}`}
            {shown.verifyChain ? ', hash chains verified' : ', hash chains not checked'}.
          </p>
          <StaleNotice scan={shown} />
          <SummaryCards scan={shown} />
          {shown.discrepancies === 0 ? (
            <p className="notice notice-info">Every user's copies agree with the log.</p>
          ) : (
            <>
              <KindChart scan={shown} />
              <Results key={shown.scanId} scan={shown} />
            </>
          )}
        </>
      ) : (
        !run.isPending && <p className="muted">No scan yet: run one to compare every user with the log.</p>
      )}
    </section>
  );
}
