import { formatCount } from '../../../../shared/format';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { RestoreMode } from '../../../../shared/contract';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorNotice } from '../../components/ErrorNotice';
import { backupMutations } from '../../data/backup.mutations';
import { useRoleGate } from '../../lib/useRoleGate';
import { FileField } from './FileField';
import { JobProgress } from '../../components/JobProgress';
import { InspectSummary, PlanView, RestoreDone } from './RestorePreview';

const MODES: Array<{ value: RestoreMode; label: string; help: string }> = [
  { value: 'merge', label: 'Merge', help: 'Add what the database is missing; keep every row it has.' },
  {
    value: 'replace',
    label: 'Replace',
    help: 'Make the users in the file exactly as in the file: their newer rows are removed.',
  },
];

/** Import: inspect, preview the diff, confirm by typing the mode, restore with progress; or verify. */
export function RestoreCard() {
  const client = useQueryClient();
  const gate = useRoleGate('backup.restore.apply');
  const [path, setPath] = useState('');
  const [mode, setMode] = useState<RestoreMode>('merge');
  const [jobId, setJobId] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [typed, setTyped] = useState('');
  const [acknowledged, setAcknowledged] = useState(false);
  const inspect = useMutation(backupMutations.inspect());
  const plan = useMutation(backupMutations.plan());
  const apply = useMutation(backupMutations.apply(client));
  const verify = useMutation(backupMutations.verify(client));
  const file = path.trim();
  const busy = plan.isPending || apply.isPending || verify.isPending;

  const reset = () => [inspect, plan, apply, verify].forEach((m) => m.reset());
  const start = (fn: (id: string) => void) => {
    const id = crypto.randomUUID();
    setJobId(id);
    fn(id);
  };
  const preview = () => {
    apply.reset();
    inspect.mutate({ path: file });
    start((id) => plan.mutate({ path: file, mode, jobId: id }));
  };
  const restore = () => {
    setConfirming(false);
    setTyped('');
    setAcknowledged(false);
    start((id) => apply.mutate({ path: file, mode, jobId: id, acknowledgeNotSignedHere: acknowledged }));
  };

  const signature = plan.data?.signature;
  const foreign = signature !== undefined && signature.status !== 'this_database';

  return (
    <section className="card" aria-labelledby="restore-title">
      <h2 className="card-title" id="restore-title">
        Import
      </h2>
      <div className="backup-form">
        <FileField
          id="restore-path"
          label="Backup file"
          kind="open"
          value={path}
          onChange={(p) => (setPath(p), reset())}
        />
        <fieldset>
          <legend>Mode</legend>
          {MODES.map((m) => (
            <label key={m.value} className="choice">
              <input
                type="radio"
                name="restore-mode"
                checked={mode === m.value}
                onChange={() => (setMode(m.value), plan.reset())}
              />
              <span>
                <strong>{m.label}</strong> <span className="muted">{m.help}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <div className="backup-actions">
          <button
            type="button"
            className="button button-primary"
            disabled={!file || busy || !gate.allowed}
            title={gate.reason ?? undefined}
            onClick={preview}
          >
            {plan.isPending ? 'Checking the whole file…' : 'Preview'}
          </button>
          <button
            type="button"
            className="button"
            disabled={!file || busy || !gate.allowed}
            onClick={() => start((id) => verify.mutate({ path: file, jobId: id }))}
          >
            {verify.isPending ? 'Verifying…' : 'Verify in a scratch database'}
          </button>
        </div>
      </div>
      {busy && jobId && (
        <JobProgress jobId={jobId} label="Restore progress" cancel={backupMutations.cancel()} />
      )}
      {inspect.data && <InspectSummary info={inspect.data} />}
      {inspect.error && <ErrorNotice error={inspect.error} title="Not a readable backup" />}
      {plan.error && <ErrorNotice error={plan.error} title="The file was refused" />}
      {plan.data && !apply.data && (
        <>
          <PlanView plan={plan.data} />
          <button
            type="button"
            className="button button-primary"
            disabled={busy || !gate.allowed}
            onClick={() => setConfirming(true)}
          >
            Restore…
          </button>
        </>
      )}
      {apply.error && <ErrorNotice error={apply.error} title="Nothing was restored" />}
      {apply.data && <RestoreDone result={apply.data} />}
      {verify.error && <ErrorNotice error={verify.error} title="Verification failed" />}
      {verify.data && (
        <div
          className={`notice ${verify.data.ok ? 'notice-info' : 'notice-error'}`}
          data-testid="verify-result"
        >
          <div>
            <strong>
              {verify.data.ok ? 'The backup restores cleanly.' : 'The backup does not restore cleanly.'}
            </strong>{' '}
            {formatCount(verify.data.rows)} rows, {formatCount(verify.data.users)} users,{' '}
            {verify.data.chainBreaks} broken chain links, {verify.data.copyMismatches} copy mismatches (
            {verify.data.seconds} s).
          </div>
        </div>
      )}
      <ConfirmDialog
        open={confirming}
        title={`Restore (${mode})?`}
        confirmLabel="Restore"
        busy={apply.isPending}
        confirmDisabled={typed.trim() !== mode || (foreign && !acknowledged)}
        onCancel={() => (setConfirming(false), setTyped(''))}
        onConfirm={restore}
      >
        <p>
          {mode === 'replace'
            ? 'The users in this file will be made exactly as in the file; rows they have that the file lacks are removed.'
            : 'Rows the database lacks are added; nothing it has is changed.'}{' '}
          A safety backup of what changes is written first, beside the file.
        </p>
        {foreign && signature && (
          <div className="field">
            <label>
              <input
                type="checkbox"
                checked={acknowledged}
                onChange={(e) => setAcknowledged(e.target.checked)}
                data-testid="restore-acknowledge"
              />{' '}
              {signature.signature
                ? `I restore a file signed by another key (fingerprint ${signature.signature.keyFingerprint}; this database's is ${signature.thisDatabaseKey}).`
                : 'I restore an unsigned file: nothing says who made it.'}{' '}
              This is recorded in the operations log.
            </label>
          </div>
        )}
        <div className="field">
          <label htmlFor="restore-confirm">Type {mode} to confirm</label>
          <input
            id="restore-confirm"
            autoComplete="off"
            autoFocus
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
          />
        </div>
      </ConfirmDialog>
    </section>
  );
}
