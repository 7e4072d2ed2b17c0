import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { profilesMutations } from '../../data/profiles.mutations';
import { parseWhole } from '../../lib/fieldErrors';

/** Minutes without activity before the console locks itself; 0 turns locking off. */
export function IdleLockSetting({ minutes }: { minutes: number }) {
  const client = useQueryClient();
  const save = useMutation(profilesMutations.setIdleLock(client));
  const [text, setText] = useState(String(minutes));
  const value = parseWhole(text);
  const valid = Number.isInteger(value) && value >= 0 && value <= 1440;
  return (
    <form
      className="idle-lock"
      aria-label="Idle lock"
      onSubmit={(e) => {
        e.preventDefault();
        if (valid) save.mutate(value);
      }}
    >
      <label>
        Lock after{' '}
        <input
          name="idle-minutes"
          inputMode="numeric"
          value={text}
          onChange={(e) => setText(e.target.value)}
          aria-invalid={!valid}
        />{' '}
        minutes without activity (0: never)
      </label>
      <button type="submit" className="button button-small" disabled={!valid || save.isPending}>
        Save
      </button>
      {!valid && <span className="field-error">a whole number of minutes, 0 to 1440</span>}
      {save.isSuccess && <span className="muted">Saved.</span>}
    </form>
  );
}
