import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { CallInput } from '../../../shared/contract';
import { formatCount } from '../../../shared/format';
import { Button } from './Button';
import { ErrorNotice } from './ErrorNotice';
import { call } from '../data/api';
import { auditMutations } from '../data/audit.mutations';
import { formatOfPath, pathForFormat, type ReportFormat } from '../lib/fileFormat';

type ExportInput = CallInput<'report.export'>;
/** Any report's own fields: the format and path are this form's. */
export type ReportTarget = ExportInput extends infer T
  ? T extends ExportInput
    ? Omit<T, 'format' | 'path'>
    : never
  : never;

interface Props {
  /** What to export; null while there is nothing to export yet. */
  target: ReportTarget | null;
  defaultName: string;
  label: string;
  /** The format proposed before a file is named. */
  initialFormat?: ReportFormat;
}

/**
 * Export a report to a path typed or chosen in the native save dialog. The format follows the
 * file name's extension and the select renames the extension: the two never disagree.
 */
export function ReportExport({ target, defaultName, label, initialFormat = 'pdf' }: Props) {
  const client = useQueryClient();
  const [path, setPathText] = useState('');
  const [chosen, setChosen] = useState<ReportFormat>(initialFormat);
  const format = formatOfPath(path) ?? chosen;
  const setPath = (p: string) => setPathText(p);
  const setFormat = (f: ReportFormat) => {
    setChosen(f);
    if (path.trim() !== '') setPathText(pathForFormat(path, f));
  };
  const run = useMutation(auditMutations.exportReport(client));
  const choose = useMutation({
    mutationFn: () =>
      call('dialog.saveFile', {
        title: `Save ${label}`,
        defaultName: `${defaultName}.${format}`,
        filters: [
          { name: format.toUpperCase(), extensions: [format] },
          { name: format === 'pdf' ? 'CSV' : 'PDF', extensions: [format === 'pdf' ? 'csv' : 'pdf'] },
        ],
      }),
    meta: { inlineErrors: true },
    onSuccess: (picked) => picked.path && setPath(picked.path),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!target || path.trim() === '') return;
    const finalPath = pathForFormat(path, format);
    if (finalPath !== path.trim()) setPathText(finalPath);
    run.mutate({ ...target, format, path: finalPath } as CallInput<'report.export'>);
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
          <Button onClick={() => choose.mutate()} disabled={choose.isPending}>
            Choose…
          </Button>
          <select
            aria-label="Format"
            title="The format follows the file name's extension; changing it renames the extension."
            value={format}
            onChange={(e) => setFormat(e.target.value as ReportFormat)}
          >
            <option value="pdf">PDF</option>
            <option value="csv">CSV</option>
          </select>
          <Button type="submit" variant="primary" disabled={!target || path.trim() === '' || run.isPending}>
            {run.isPending ? 'Exporting…' : `Export ${format.toUpperCase()}`}
          </Button>
        </div>
      </div>
      {run.data && (
        <p className="notice notice-info" role="status">
          Saved {formatCount(run.data.rows)} rows as {run.data.format.toUpperCase()} to{' '}
          <span className="mono">{run.data.path}</span> ({formatCount(run.data.bytes)} bytes).
        </p>
      )}
      {run.error && <ErrorNotice error={run.error} title="The report was not written" />}
      {choose.error && <ErrorNotice error={choose.error} title="The file dialog failed" />}
    </form>
  );
}
