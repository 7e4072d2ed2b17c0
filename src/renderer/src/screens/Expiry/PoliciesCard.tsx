import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { LOT_TYPES, type LotType } from '../../../../shared/contract/expiry';
import { formatLocalDateTime } from '../../../../shared/format';
import { Button } from '../../components/Button';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Field } from '../../components/Field';
import { expiryMutations } from '../../data/expiry.mutations';
import { expiryQueries } from '../../data/expiry.queries';
import { useRoleGate } from '../../lib/useRoleGate';

type Unit = 'months' | 'days' | 'never';

/** How long credits of each type last, and (for an admin) the form that changes one. */
export function PoliciesCard() {
  const client = useQueryClient();
  const policies = useQuery(expiryQueries.policies());
  const set = useMutation(expiryMutations.setPolicy(client));
  const gate = useRoleGate('expiry.setPolicy');
  const [type, setType] = useState<LotType>('earned');
  const [unit, setUnit] = useState<Unit>('months');
  const [amount, setAmount] = useState('12');
  const n = Number(amount);
  const amountError =
    unit === 'never' || (/^[1-9]\d*$/.test(amount) && n <= (unit === 'months' ? 120 : 3650))
      ? undefined
      : `a whole number from 1 to ${unit === 'months' ? '120' : '3,650'}`;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (amountError) return;
    set.mutate({ type, ...(unit === 'months' ? { months: n } : unit === 'days' ? { days: n } : {}) });
  };
  return (
    <section className="card" aria-labelledby="policies-title">
      <h2 id="policies-title" className="card-title">
        Expiry policies
      </h2>
      <p className="muted">A change applies to credits made after it; earlier credits keep their date.</p>
      {policies.isError && (
        <ErrorNotice title="Could not load the policies" error={policies.error} onRetry={policies.refetch} />
      )}
      {policies.data && (
        <table className="simple-table" aria-label="Policies">
          <thead>
            <tr>
              <th>Credit type</th>
              <th>Expires after</th>
              <th>Since</th>
              <th>Set by</th>
            </tr>
          </thead>
          <tbody>
            {policies.data.map((p) => (
              <tr key={p.type} data-testid={`policy-${p.type}`}>
                <td>{p.type.replace('_', ' ')}</td>
                <td>{p.months ? `${p.months} months` : p.days ? `${p.days} days` : 'Never'}</td>
                <td className="muted">{p.effectiveFrom ? formatLocalDateTime(p.effectiveFrom) : 'Always'}</td>
                <td>{p.setBy}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="inline-form" onSubmit={submit} aria-label="Set a policy">
        <Field label="Credit type">
          <select value={type} onChange={(e) => setType(e.target.value as LotType)}>
            {LOT_TYPES.map((t) => (
              <option key={t} value={t}>
                {t.replace('_', ' ')}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Expires after">
          <select value={unit} onChange={(e) => setUnit(e.target.value as Unit)}>
            <option value="months">Months</option>
            <option value="days">Days</option>
            <option value="never">Never</option>
          </select>
        </Field>
        {unit !== 'never' && (
          <Field label={unit === 'months' ? 'Months' : 'Days'} error={amountError}>
            <input inputMode="numeric" value={amount} onChange={(e) => setAmount(e.target.value)} />
          </Field>
        )}
        <Button type="submit" disabled={!gate.allowed || set.isPending} title={gate.reason ?? undefined}>
          Set policy
        </Button>
      </form>
      {set.isError && <ErrorNotice title="The policy was not changed" error={set.error} />}
    </section>
  );
}
