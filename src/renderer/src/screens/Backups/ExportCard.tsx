import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { formatCount } from '../../../../shared/format';
import { sessionQueries } from '../../data/session.queries';
import { useState, type FormEvent } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice';
import { backupMutations } from '../../data/backup.mutations';
import { useRoleGate } from '../../lib/useRoleGate';
import { FileField } from './FileField';
import { JobProgress } from '../../components/JobProgress';
import { parseUserIds } from './userIds';
import { Stat, Stats } from '../../components/Stat';

/** `pointkeeper-<db>-<date>.ndjson.gz`: which database and which day, before anyone opens it. */
export function backupFileName(database: string, at = new Date()): string {
  const day = `${at.getFullYear()}-${String(at.getMonth() + 1).padStart(2, '0')}-${String(at.getDate()).padStart(2, '0')}`;
  return `pointkeeper-${database.replace(/[^A-Za-z0-9_.-]/g, '_')}-${day}.ndjson.gz`;
}

/** Export: everything or some users, to a file, with progress and cancel. */
export function ExportCard() {
  const client = useQueryClient();
  const gate = useRoleGate('backup.export');
  const [everything, setEverything] = useState(true);
  const [usersText, setUsersText] = useState('');
  const [path, setPath] = useState('');
  const [jobId, setJobId] = useState<string | null>(null);
  const run = useMutation(backupMutations.export(client));
  const users = parseUserIds(usersText);
  const database = useQuery(sessionQueries.whoami()).data?.database ?? 'database';
  const invalid = path.trim() === '' || (!everything && 'error' in users);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (invalid) return;
    const scope = everything ? 'full' : 'ids' in users ? { userIds: users.ids } : null;
    if (scope === null) return;
    const id = crypto.randomUUID();
    setJobId(id);
    run.mutate({ scope, path: path.trim(), jobId: id });
  };

  return (
    <section className="card" aria-labelledby="export-title">
      <h2 className="card-title" id="export-title">
        Export
      </h2>
      <form className="backup-form" onSubmit={submit} aria-label="Export a backup">
        <fieldset>
          <legend>What</legend>
          <label className="choice">
            <input
              type="radio"
              name="export-scope"
              checked={everything}
              onChange={() => setEverything(true)}
            />
            <span>Everything</span>
          </label>
          <label className="choice">
            <input
              type="radio"
              name="export-scope"
              checked={!everything}
              onChange={() => setEverything(false)}
            />
            <span>These users</span>
          </label>
          {!everything && (
            <div className="field">
              <label htmlFor="export-users">User ids</label>
              <input
                id="export-users"
                value={usersText}
                placeholder="e.g. 12, 40, 977"
                onChange={(e) => setUsersText(e.target.value)}
              />
              {usersText !== '' && 'error' in users && <p className="field-error">{users.error}</p>}
            </div>
          )}
        </fieldset>
        <FileField
          id="export-path"
          label="Backup file (.ndjson, or .ndjson.gz to compress)"
          kind="save"
          defaultName={backupFileName(database)}
          value={path}
          onChange={setPath}
        />
        <div>
          <button
            type="submit"
            className="button button-primary"
            disabled={invalid || run.isPending || !gate.allowed}
            title={gate.reason ?? undefined}
          >
            {run.isPending ? 'Exporting…' : 'Export'}
          </button>
        </div>
      </form>
      {run.isPending && jobId && (
        <JobProgress jobId={jobId} label="Export progress" cancel={backupMutations.cancel()} />
      )}
      {run.error && <ErrorNotice error={run.error} title="Export failed" />}
      {run.data && (
        <Stats testId="export-result">
          <Stat label="Rows">{formatCount(run.data.rows)}</Stat>
          <Stat label="Size">{(run.data.bytes / 1e6).toFixed(2)} MB</Stat>
          <Stat label="Rate">{formatCount(run.data.rowsPerSecond)} rows/s</Stat>
          <Stat label="SHA-256" className="mono backup-hash">
            {run.data.sha256}
          </Stat>
        </Stats>
      )}
    </section>
  );
}
