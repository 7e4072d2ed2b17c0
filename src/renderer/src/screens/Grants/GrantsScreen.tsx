import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { formatCount, formatDate } from '../../../../shared/format';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorNotice } from '../../components/ErrorNotice';
import { ApiError } from '../../data/ApiError';
import { desktop } from '../../data/desktop';
import { grantsMutations } from '../../data/grants.mutations';
import { grantsQueries } from '../../data/grants.queries';
import { useRoleGate } from '../../lib/useRoleGate';
import { JobProgress } from '../../components/JobProgress';
import { GrantPreviewView, ImportSummary, ProblemList } from './GrantReport';
import './grants.css';

const CSV = [{ name: 'CSV file', extensions: ['csv'] }];

const needsApproval = (error: unknown) =>
  error instanceof ApiError &&
  error.code === 'FORBIDDEN' &&
  (error.details as { approvalRequired?: boolean } | undefined)?.approvalRequired === true;

/** Where to save a file, from the main process's own dialog (null: the person cancelled). */
const saveCsv = (title: string, defaultName: string) =>
  desktop.chooseFileToSave({ title, defaultName, filters: CSV });

/**
 * Bulk grants: choose a CSV → every row checked, problems by line → preview → apply (through
 * approvals when a policy covers it) → progress with cancel → the result file.
 */
export function GrantsScreen() {
  const client = useQueryClient();
  const gate = useRoleGate('grants.import');
  const [path, setPath] = useState('');
  const [jobId, setJobId] = useState<string | null>(null);
  const [importId, setImportId] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState('');
  const check = useMutation(grantsMutations.check());
  const stage = useMutation(grantsMutations.import(client));
  const apply = useMutation(grantsMutations.apply(client));
  const request = useMutation(grantsMutations.request(client));
  const result = useMutation(grantsMutations.result());
  const template = useMutation(grantsMutations.template());
  const imports = useQuery(grantsQueries.list());
  const file = path.trim();
  const busy = check.isPending || stage.isPending || apply.isPending;

  const newJob = () => {
    const id = crypto.randomUUID();
    setJobId(id);
    return id;
  };
  const reset = () => [check, stage, apply, request, result].forEach((m) => m.reset());
  const choose = async () => {
    const picked = await desktop.chooseFileToOpen({ title: 'Open a grant file', filters: CSV });
    if (!picked) return;
    setPath(picked);
    reset();
    setImportId(null);
  };
  const applyImport = (id: string) => {
    setImportId(id);
    apply.reset();
    apply.mutate({ importId: id, jobId: newJob() });
  };
  const confirm = async () => {
    setConfirming(false);
    const staged = await stage.mutateAsync({ path: file, jobId: newJob() }).catch(() => null);
    if (staged?.importId) applyImport(staged.importId);
  };
  const download = async (id: string) => {
    const out = await saveCsv('Save the grant result', `grant-result-${id.slice(0, 8)}.csv`);
    if (out) result.mutate({ importId: id, path: out, overwrite: true });
  };
  const downloadTemplate = async () => {
    const out = await saveCsv('Save the grant template', 'pointkeeper-grants-template.csv');
    if (out) template.mutate({ path: out, overwrite: true });
  };
  const shown = stage.data?.problemCount ? stage.data : check.data;

  return (
    <section className="screen grants-screen" aria-labelledby="grants-title">
      <header className="screen-header">
        <h1 id="grants-title">Bulk grants</h1>
        <p className="screen-meta">
          Points for a list of customers from one CSV file: checked in full, previewed, applied once.
        </p>
      </header>
      <section className="card" aria-labelledby="grants-file-title">
        <h2 className="card-title" id="grants-file-title">
          Grant file
        </h2>
        <p className="muted">
          A CSV with the columns user (id or email), points, description, and optionally type, order id and
          key. A debit is type redeemed with positive points. Any problem refuses the whole file.
        </p>
        <div className="grants-file">
          <label htmlFor="grants-path">CSV file</label>
          <input
            id="grants-path"
            className="mono"
            value={path}
            placeholder="/path/to/grants.csv"
            spellCheck={false}
            onChange={(e) => (setPath(e.target.value), reset(), setImportId(null))}
          />
          <button type="button" className="button" onClick={() => void choose()}>
            Choose…
          </button>
        </div>
        <div className="grants-actions">
          <button
            type="button"
            className="button button-primary"
            disabled={!file || busy || !gate.allowed}
            title={gate.reason ?? undefined}
            onClick={() => (reset(), setImportId(null), check.mutate({ path: file, jobId: newJob() }))}
          >
            {check.isPending ? 'Checking every row…' : 'Check file'}
          </button>
          <button type="button" className="button" onClick={() => void downloadTemplate()}>
            Download template
          </button>
        </div>
        {check.isPending && jobId && (
          <JobProgress jobId={jobId} label="Check progress" testId="grants-job-status" />
        )}
        {check.error && <ErrorNotice error={check.error} title="The file could not be checked" />}
        {template.error && <ErrorNotice error={template.error} title="The template was not written" />}
        {shown && shown.problemCount > 0 && <ProblemList check={shown} />}
        {check.data?.preview && !importId && (
          <>
            <GrantPreviewView check={check.data} />
            <div>
              <button
                type="button"
                className="button button-primary"
                disabled={busy || !gate.allowed}
                onClick={() => setConfirming(true)}
              >
                Apply grants…
              </button>
            </div>
          </>
        )}
        {stage.error && <ErrorNotice error={stage.error} title="Nothing was imported" />}
      </section>

      {importId && (
        <section className="card" aria-labelledby="grants-apply-title">
          <h2 className="card-title" id="grants-apply-title">
            Applying
          </h2>
          {(stage.isPending || apply.isPending) && jobId && (
            <JobProgress
              jobId={jobId}
              label="Apply progress"
              testId="grants-job-status"
              {...(apply.isPending ? { cancel: grantsMutations.cancel() } : {})}
            />
          )}
          {apply.error && needsApproval(apply.error) && (
            <div className="notice notice-warn" data-testid="grants-needs-approval">
              <div>
                <strong>This grant needs approval.</strong> {apply.error.message}
              </div>
              {request.data ? (
                <p>
                  Requested ({request.data.state}). When another login approves it in Approvals, apply it from
                  the list below.
                </p>
              ) : (
                <div className="grants-file">
                  <label htmlFor="grants-reason">Why</label>
                  <input id="grants-reason" value={reason} onChange={(e) => setReason(e.target.value)} />
                  <button
                    type="button"
                    className="button button-primary"
                    disabled={reason.trim().length < 3 || request.isPending}
                    onClick={() => request.mutate({ importId, reason: reason.trim() })}
                  >
                    Request approval
                  </button>
                </div>
              )}
              {request.error && <ErrorNotice error={request.error} title="The request was refused" />}
            </div>
          )}
          {apply.error && !needsApproval(apply.error) && (
            <ErrorNotice
              error={apply.error}
              title="The import stopped"
              onRetry={() => applyImport(importId)}
            />
          )}
          {apply.data && (
            <>
              <ImportSummary imp={apply.data} />
              <div>
                <button type="button" className="button" onClick={() => void download(apply.data.importId)}>
                  Download result
                </button>
              </div>
            </>
          )}
          {result.error && <ErrorNotice error={result.error} title="The result was not written" />}
        </section>
      )}

      <section className="card" aria-labelledby="grants-recent-title">
        <h2 className="card-title" id="grants-recent-title">
          Recent imports
        </h2>
        {imports.error && <ErrorNotice error={imports.error} title="Could not list imports" />}
        <table className="simple-table" aria-label="Recent imports">
          <thead>
            <tr>
              <th scope="col">Staged</th>
              <th scope="col">File</th>
              <th scope="col">By</th>
              <th scope="col">Status</th>
              <th scope="col">Rows done</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(imports.data?.imports ?? []).map((i) => (
              <tr key={i.importId}>
                <td>{formatDate(i.createdAt)}</td>
                <td className="mono">{i.fileName}</td>
                <td>{i.createdBy}</td>
                <td>{i.status}</td>
                <td className="num">
                  {formatCount(i.rowsApplied + i.rowsReplayed + i.rowsRefused)} / {formatCount(i.rows)}
                </td>
                <td>
                  {i.status !== 'done' && (
                    <button
                      type="button"
                      className="button button-small"
                      disabled={busy || !gate.allowed}
                      onClick={() => applyImport(i.importId)}
                    >
                      {i.status === 'staged' ? 'Apply' : 'Resume'}
                    </button>
                  )}{' '}
                  <button
                    type="button"
                    className="button button-small"
                    onClick={() => void download(i.importId)}
                  >
                    Result
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <ConfirmDialog
        open={confirming}
        title="Apply these grants?"
        confirmLabel="Apply"
        busy={stage.isPending}
        onCancel={() => setConfirming(false)}
        onConfirm={() => void confirm()}
      >
        <p>
          {formatCount(check.data?.preview?.rows ?? 0)} rows for{' '}
          {formatCount(check.data?.preview?.users ?? 0)} users. Each row applies once: an interrupted import
          resumes where it stopped.
        </p>
      </ConfirmDialog>
    </section>
  );
}
