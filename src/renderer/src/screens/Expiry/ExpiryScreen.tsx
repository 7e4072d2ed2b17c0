import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { ExpiryPreview } from '../../../../shared/contract';
import { formatCount, formatLocalDateTime, formatPoints } from '../../../../shared/format';
import { Button } from '../../components/Button';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Field } from '../../components/Field';
import { ReportExport } from '../../components/ReportExport';
import { expiryMutations } from '../../data/expiry.mutations';
import { call } from '../../data/api';
import { expiryQueries } from '../../data/expiry.queries';
import { useRoleGate } from '../../lib/useRoleGate';
import { PoliciesCard } from './PoliciesCard';
import { Stat, Stats } from '../../components/Stat';

function PreviewTable({ preview }: { preview: ExpiryPreview }) {
  return (
    <div data-testid="expiry-preview">
      <Stats>
        <Stat label="Lots due" testId="preview-lots">
          {formatCount(preview.lots)}
        </Stat>
        <Stat label="Users" testId="preview-users">
          {formatCount(preview.users)}
        </Stat>
        <Stat label="Points" testId="preview-points">
          {formatPoints(preview.points)}
        </Stat>
        <Stat label="As of">{formatLocalDateTime(preview.asOf)}</Stat>
      </Stats>
      {preview.byType.length > 0 && (
        <table className="simple-table" aria-label="Due by credit type">
          <thead>
            <tr>
              <th>Credit type</th>
              <th className="num">Lots</th>
              <th className="num">Points</th>
            </tr>
          </thead>
          <tbody>
            {preview.byType.map((t) => (
              <tr key={t.type}>
                <td>{t.type.replace('_', ' ')}</td>
                <td className="num">{formatCount(t.lots)}</td>
                <td className="num">{formatPoints(t.points)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** Preview what is due, then expire exactly that moment's lots (one expired row per lot). */
function RunCard() {
  const client = useQueryClient();
  const gate = useRoleGate('expiry.run');
  const [asOfText, setAsOfText] = useState('');
  const [confirming, setConfirming] = useState(false);
  const preview = useMutation({
    mutationFn: (asOf: string | null) => call('expiry.preview', asOf ? { asOf } : {}),
  });
  const run = useMutation(expiryMutations.run(client));
  const asOfError =
    asOfText.trim() === '' || !Number.isNaN(Date.parse(asOfText))
      ? undefined
      : 'a date and time, e.g. 2026-12-01 00:00';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (asOfError) return;
    run.reset();
    preview.mutate(asOfText.trim() === '' ? null : new Date(asOfText).toISOString());
  };
  const p = preview.data;
  return (
    <section className="card" aria-labelledby="expiry-run-title">
      <h2 id="expiry-run-title" className="card-title">
        Expire points
      </h2>
      <form className="inline-form" onSubmit={submit} aria-label="Expiry preview">
        <Field label="As of (empty: now)" error={asOfError}>
          <input value={asOfText} placeholder="now" onChange={(e) => setAsOfText(e.target.value)} />
        </Field>
        <Button type="submit" disabled={preview.isPending}>
          Preview
        </Button>
      </form>
      {preview.isError && <ErrorNotice title="Could not preview" error={preview.error} />}
      {p && <PreviewTable preview={p} />}
      {p && p.lots === 0 && <p className="muted">Nothing is due: no lot has passed its date.</p>}
      {p && p.lots > 0 && !run.isSuccess && (
        <Button
          variant="danger"
          disabled={!gate.allowed || run.isPending}
          title={gate.reason ?? undefined}
          onClick={() => setConfirming(true)}
        >
          Expire {formatCount(p.lots)} lots…
        </Button>
      )}
      {run.isError && <ErrorNotice title="The expiry run stopped" error={run.error} />}
      {run.data && (
        <p role="status" data-testid="expiry-result">
          Expired {formatCount(run.data.lots)} lots of {formatCount(run.data.users)} users:{' '}
          {formatPoints(run.data.points)} in {formatCount(run.data.chunks)} chunk(s).
        </p>
      )}
      {p && (
        <ConfirmDialog
          open={confirming}
          title="Expire points"
          confirmLabel={`Expire ${formatCount(p.lots)} lots`}
          busy={run.isPending}
          onCancel={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            run.mutate({ asOf: p.asOf, chunkUsers: 5000 });
          }}
        >
          <p>
            Writes one expired transaction per lot due by {formatLocalDateTime(p.asOf)}: {formatCount(p.lots)}{' '}
            lots of {formatCount(p.users)} users, {formatPoints(p.points)}. A lot spent meanwhile is not
            expired.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function ByMonthCard() {
  const months = 12;
  const byMonth = useQuery(expiryQueries.byMonth(months));
  return (
    <section className="card" aria-labelledby="by-month-title">
      <h2 id="by-month-title" className="card-title">
        Points expiring by month
      </h2>
      {byMonth.isError && (
        <ErrorNotice title="Could not load" error={byMonth.error} onRetry={byMonth.refetch} />
      )}
      {byMonth.data && (
        <>
          {byMonth.data.rows.length === 0 ? (
            <p className="muted">No open points expire in the next {months} months.</p>
          ) : (
            <table className="simple-table" aria-label="Expiring by month">
              <thead>
                <tr>
                  <th>Month (UTC)</th>
                  <th className="num">Users</th>
                  <th className="num">Lots</th>
                  <th className="num">Points</th>
                </tr>
              </thead>
              <tbody>
                {byMonth.data.rows.map((r) => (
                  <tr key={r.month}>
                    <td>{r.month}</td>
                    <td className="num">{formatCount(r.users)}</td>
                    <td className="num">{formatCount(r.lots)}</td>
                    <td className="num">{formatPoints(r.points)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p className="muted">Never expiring: {formatPoints(byMonth.data.neverExpiring)}</p>
        </>
      )}
      <ReportExport
        target={{ report: 'expiring', months, overwrite: false }}
        defaultName="points-expiring-by-month"
        label="points expiring by month"
        initialFormat="csv"
      />
    </section>
  );
}

export function ExpiryScreen() {
  return (
    <section className="screen" aria-labelledby="expiry-title">
      <header className="screen-header">
        <h1 id="expiry-title">Expiry</h1>
        <p className="screen-meta">
          Points expire by their lot&apos;s date, as ledger rows, after a preview.
        </p>
      </header>
      <RunCard />
      <ByMonthCard />
      <PoliciesCard />
    </section>
  );
}
