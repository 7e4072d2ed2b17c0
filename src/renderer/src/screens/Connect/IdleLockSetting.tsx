import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { profilesMutations } from '../../data/profiles.mutations';
import { parseWhole } from '../../lib/fieldErrors';
import { useContractForm } from '../../lib/useContractForm';

/** Minutes without activity before the console locks itself; 0 turns locking off. */
export function IdleLockSetting({ minutes }: { minutes: number }) {
  const client = useQueryClient();
  const [text, setText] = useState(String(minutes));
  const form = useContractForm(
    'connection.setIdleLock',
    { minutes: parseWhole(text) },
    profilesMutations.setIdleLock(client),
  );
  return (
    <form
      className="idle-lock"
      aria-label="Idle lock"
      onSubmit={(e) => {
        e.preventDefault();
        form.submit();
      }}
    >
      <label>
        Lock after{' '}
        <input
          name="idle-minutes"
          inputMode="numeric"
          value={text}
          onChange={(e) => setText(e.target.value)}
          aria-invalid={!form.valid}
        />{' '}
        minutes without activity (0: never)
      </label>
      <button type="submit" className="button button-small" disabled={!form.valid || form.mutation.isPending}>
        Save
      </button>
      {/* The schema's own wording ("expected number, received NaN") says less than this. */}
      {!form.valid && <span className="field-error">a whole number of minutes, 0 to 1440</span>}
      {form.mutation.isSuccess && <span className="muted">Saved.</span>}
    </form>
  );
}
