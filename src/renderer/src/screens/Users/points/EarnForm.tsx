import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { UserDetail } from '../../../../../shared/contract';
import { CREDIT_TYPES } from '../../../../../shared/contract/points';
import { formatPoints } from '../../../../../shared/format';
import { ConfirmedForm } from '../../../components/ConfirmedForm';
import { pointsMutations } from '../../../data/points.mutations';
import { newSubmissionKey, parseWhole } from '../../../lib/fieldErrors';
import { useContractForm } from '../../../lib/useContractForm';
import { useRoleGate } from '../../../lib/useRoleGate';
import { Field } from '../../../components/Field';
import { DescriptionField, PointsField } from './PointsFields';

type CreditType = (typeof CREDIT_TYPES)[number];

/** Credit points: validated as you type by the call's own schema, confirmed before writing. */
export function EarnForm({ user }: { user: UserDetail }) {
  const client = useQueryClient();
  const gate = useRoleGate('points.earn');
  const [points, setPoints] = useState('');
  const [description, setDescription] = useState('');
  const [type, setType] = useState<CreditType>('earned');
  // One key per submission: a retry of the same submission can never pay twice.
  const [key, setKey] = useState(() => newSubmissionKey('earn'));
  const input = { userId: user.id, points: parseWhole(points), description, type, idempotencyKey: key };
  const form = useContractForm('points.earn', input, pointsMutations.earn(client));
  const submit = (settled: () => void) =>
    form.submit({
      onSuccess: () => {
        setPoints('');
        setDescription('');
        form.reset();
        setKey(newSubmissionKey('earn'));
      },
      onSettled: settled,
    });
  return (
    <ConfirmedForm
      label="Earn points"
      gate={gate}
      validate={form.validate}
      submitLabel="Earn…"
      confirmTitle="Earn points?"
      confirmLabel={`Earn ${input.points} points`}
      busy={form.mutation.isPending}
      onConfirm={submit}
      summary={
        <>
          <p>
            Credit <strong>{formatPoints(input.points)}</strong> ({type.replace('_', ' ')}) to {user.name} (#
            {user.id}) for “{description}”.
          </p>
          {user.points !== null && (
            <p className="muted">
              The balance goes from {formatPoints(user.points)} to {formatPoints(user.points + input.points)}.
            </p>
          )}
        </>
      }
    >
      <PointsField value={points} onChange={setPoints} error={form.errorFor('points', points !== '')} />
      <Field label="Type">
        <select name="type" value={type} onChange={(e) => setType(e.target.value as CreditType)}>
          {CREDIT_TYPES.map((t) => (
            <option key={t} value={t}>
              {t.replace('_', ' ')}
            </option>
          ))}
        </select>
      </Field>
      <DescriptionField
        value={description}
        onChange={setDescription}
        error={form.errorFor('description', description !== '')}
        placeholder="e.g. Order completion bonus"
      />
    </ConfirmedForm>
  );
}
