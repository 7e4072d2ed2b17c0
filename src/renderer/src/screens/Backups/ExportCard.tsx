import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice';
import { backupMutations } from '../../data/backup.mutations';
import { useRoleGate } from '../../lib/useRoleGate';
import { FileField } from './FileField';
import { JobProgress } from './JobProgress';
import { parseUserIds } from './userIds';

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
      {run.isPending && jobId && <JobProgress jobId={jobId} label="Export progress" />}
      {run.error && <ErrorNotice error={run.error} title="Export failed" />}
      {run.data && (
        <dl className="stats" data-testid="export-result">
          <div className="stat">
            <dt>Rows</dt>
            <dd>{run.data.rows.toLocaleString()}</dd>
          </div>
          <div className="stat">
            <dt>Size</dt>
            <dd>{(run.data.bytes / 1e6).toFixed(2)} MB</dd>
          </div>
          <div className="stat">
            <dt>Rate</dt>
            <dd>{run.data.rowsPerSecond.toLocaleString()} rows/s</dd>
          </div>
          <div className="stat">
            <dt>SHA-256</dt>
            <dd className="mono backup-hash">{run.data.sha256}</dd>
          </div>
        </dl>
      )}
    </section>
  );
}
