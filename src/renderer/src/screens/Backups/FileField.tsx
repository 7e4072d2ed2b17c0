import { useMutation } from '@tanstack/react-query';
import { call } from '../../data/api';
import { ErrorNotice } from '../../components/ErrorNotice';

const FILTERS = [{ name: 'Pointkeeper backup', extensions: ['ndjson', 'gz'] }];

interface Props {
  id: string;
  label: string;
  value: string;
  onChange(path: string): void;
  /** save: a new file (the dialog asks before overwriting); open: an existing one. */
  kind: 'save' | 'open';
  /** The name the save dialog proposes. */
  defaultName?: string;
}

/** A backup file's path: typed, or chosen in the system's own file dialog. */
export function FileField({ id, label, value, onChange, kind, defaultName }: Props) {
  const choose = useMutation({
    mutationFn: () =>
      kind === 'save'
        ? call('dialog.saveFile', {
            title: 'Save backup',
            defaultName: defaultName ?? 'pointkeeper-backup.ndjson.gz',
            filters: FILTERS,
          })
        : call('dialog.openFile', { title: 'Open backup', filters: FILTERS }),
    meta: { inlineErrors: true },
    onSuccess: (picked) => picked.path && onChange(picked.path),
  });
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="backup-file">
        <input
          id={id}
          className="mono"
          value={value}
          placeholder={`/path/to/${defaultName ?? 'backup.ndjson.gz'}`}
          spellCheck={false}
          onChange={(e) => onChange(e.target.value)}
        />
        <button type="button" className="button" onClick={() => choose.mutate()} disabled={choose.isPending}>
          Choose…
        </button>
      </div>
      {choose.error && <ErrorNotice error={choose.error} title="The file dialog failed" />}
    </div>
  );
}
