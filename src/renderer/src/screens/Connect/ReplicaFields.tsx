import { useState, type ReactElement } from 'react';
import {
  DEFAULT_MAX_LAG_SECONDS,
  replicaFields,
  type ReplicaSettings,
} from '../../../../shared/contract/profiles';
import { fieldErrors, parseWhole } from '../../lib/fieldErrors';
import { Field } from '../../components/Field';

interface ReplicaInput {
  host: string;
  port: number;
  database: string;
  maxLagSeconds: number;
}

const seconds = (text: string) => (/^\s*\d+(\.\d+)?\s*$/.test(text) ? Number(text) : Number.NaN);

/**
 * The profile's optional reporting replica: a read-only standby reached with the same login and
 * password, and the lag past which reports are refused. Returns the value for the profile's
 * fields (null: no replica) and the inputs to place in the form.
 */
export function useReplicaFields(saved: ReplicaSettings | null | undefined): {
  value: ReplicaInput | null;
  element: ReactElement;
} {
  const [enabled, setEnabled] = useState(Boolean(saved));
  const [host, setHost] = useState(saved?.host ?? '');
  const [port, setPort] = useState(String(saved?.port ?? 5432));
  const [database, setDatabase] = useState(saved?.database ?? '');
  const [maxLag, setMaxLag] = useState(String(saved?.maxLagSeconds ?? DEFAULT_MAX_LAG_SECONDS));
  const value = enabled ? { host, port: parseWhole(port), database, maxLagSeconds: seconds(maxLag) } : null;
  const errors = value ? fieldErrors(replicaFields, value) : {};
  const element = (
    <fieldset className="profile-replica" data-testid="profile-replica">
      <label className="checkbox">
        <input
          type="checkbox"
          name="replicaEnabled"
          checked={enabled}
          onChange={(e) => setEnabled(e.target.checked)}
        />
        Audits, reports and exports read from a read-only standby (reporting replica)
      </label>
      {enabled && (
        <>
          <div className="profile-row">
            <Field label="Replica host" error={errors.host}>
              <input name="replicaHost" value={host} onChange={(e) => setHost(e.target.value)} />
            </Field>
            <Field label="Replica port" error={errors.port}>
              <input
                name="replicaPort"
                inputMode="numeric"
                value={port}
                onChange={(e) => setPort(e.target.value)}
              />
            </Field>
          </div>
          <div className="profile-row">
            <Field label="Replica database" error={errors.database}>
              <input name="replicaDatabase" value={database} onChange={(e) => setDatabase(e.target.value)} />
            </Field>
            <Field label="Refuse reports when behind by more than (seconds)" error={errors.maxLagSeconds}>
              <input
                name="replicaMaxLag"
                inputMode="decimal"
                value={maxLag}
                onChange={(e) => setMaxLag(e.target.value)}
              />
            </Field>
          </div>
        </>
      )}
    </fieldset>
  );
  return { value, element };
}
