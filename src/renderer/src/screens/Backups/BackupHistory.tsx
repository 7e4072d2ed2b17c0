import { formatDate } from '../../../../shared/format';
import { useQuery } from '@tanstack/react-query';
import { hrefOf } from '../../app/router';
import { ErrorNotice } from '../../components/ErrorNotice';
import { backupQueries } from '../../data/backup.queries';

const pathOf = (input: unknown) =>
  typeof input === 'object' && input !== null && 'path' in input
    ? String((input as { path: unknown }).path)
    : '';

/** The last backups, restores and verifications, from the operations log. */
export function BackupHistory() {
  const history = useQuery(backupQueries.history());
  const items = (history.data?.items ?? []).filter((e) => e.action !== 'backup.cancel');
  return (
    <section className="card" aria-labelledby="backup-history-title">
      <h2 className="card-title" id="backup-history-title">
        History
      </h2>
      {history.error && <ErrorNotice error={history.error} title="The history could not be read" />}
      {items.length === 0 ? (
        <p className="muted">No backup has been exported or restored from this database yet.</p>
      ) : (
        <table className="simple-table" aria-label="Backup history">
          <thead>
            <tr>
              <th>When</th>
              <th>Who</th>
              <th>What</th>
              <th>File</th>
              <th>Outcome</th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.id}>
                <td>{formatDate(e.at)}</td>
                <td>{e.actor}</td>
                <td className="mono">{e.action.replace('backup.', '')}</td>
                <td className="mono">{pathOf(e.input)}</td>
                <td>{e.outcome === 'ok' ? 'ok' : `failed (${e.errorCode ?? 'error'})`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="muted">
        <a href={hrefOf(['operations'], { action: 'backup.' })}>All of it in the operations log</a>
      </p>
    </section>
  );
}
