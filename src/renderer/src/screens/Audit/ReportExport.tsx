import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { CallInput } from '../../../../shared/contract';
import { ErrorNotice } from '../../components/ErrorNotice';
import { call } from '../../data/api';
import { auditMutations } from '../../data/audit.mutations';

type Format = 'csv' | 'pdf';
type ReportTarget =
  | Omit<Extract<CallInput<'report.export'>, { report: 'scan' }>, 'format' | 'path'>
  | Omit<Extract<CallInput<'report.export'>, { report: 'statement' }>, 'format' | 'path'>;

interface Props {
  /** What to export; null while there is nothing to export yet. */
  target: ReportTarget | null;
  defaultName: string;
  label: string;
}

/** Export buttons for a report: a path typed or chosen in the native save dialog, CSV or PDF. */
export function ReportExport({ target, defaultName, label }: Props) {
  const client = useQueryClient();
  const [path, setPath] = useState('');
  const [format, setFormat] = useState<Format>('pdf');
  const run = useMutation(auditMutations.exportReport(client));
  const choose = useMutation({
    mutationFn: () =>
      call('dialog.saveFile', {
        title: `Save ${label}`,
        defaultName: `${defaultName}.${format}`,
        filters: [{ name: format.toUpperCase(), extensions: [format] }],
      }),
    onSuccess: (picked) => picked.path && setPath(picked.path),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!target || path.trim() === '') return;
    run.mutate({ ...target, format, path: path.trim() } as CallInput<'report.export'>);
  };
  const id = `export-${defaultName}`;
  return (
    <form className="audit-export" onSubmit={submit} aria-label={`Export ${label}`}>
      <div className="field">
        <label htmlFor={id}>Save {label} to</label>
        <div className="audit-export-row">
          <input
            id={id}
            className="mono"
            value={path}
            placeholder={`/path/to/${defaultName}.${format}`}
            spellCheck={false}
            onChange={(e) => setPath(e.target.value)}
          />
          <button
            type="button"
            className="button"
            onClick={() => choose.mutate()}
            disabled={choose.isPending}
          >
            Choose…
          </button>
          <select aria-label="Format" value={format} onChange={(e) => setFormat(e.target.value as Format)}>
            <option value="pdf">PDF</option>
            <option value="csv">CSV</option>
          </select>
          <button
            type="submit"
            className="button button-primary"
            disabled={!target || path.trim() === '' || run.isPending}
          >
            {run.isPending ? 'Exporting…' : `Export ${format.toUpperCase()}`}
          </button>
        </div>
      </div>
      {run.data && (
        <p className="notice notice-info" role="status">
          Saved {run.data.rows.toLocaleString()} rows to <span className="mono">{run.data.path}</span> (
          {run.data.bytes.toLocaleString()} bytes).
        </p>
      )}
      {run.error && <ErrorNotice error={run.error} title="The report was not written" />}
      {choose.error && <ErrorNotice error={choose.error} title="The file dialog failed" />}
    </form>
  );
}
