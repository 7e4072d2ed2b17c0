import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { UserDetail } from '../../../../../shared/contract';
import { formatPoints } from '../../../../../shared/format';
import { ConfirmedForm } from '../../../components/ConfirmedForm';
import { pointsMutations } from '../../../data/points.mutations';
import { pointsQueries } from '../../../data/points.queries';
import { newSubmissionKey, parseWhole } from '../../../lib/fieldErrors';
import { useContractForm, type FieldErrors } from '../../../lib/useContractForm';
import { useRoleGate } from '../../../lib/useRoleGate';
import { Field } from '../../../components/Field';
import { DescriptionField, PointsField } from './PointsFields';

/** Debit points, optionally for a catalogue reward (which fixes the amount). */
export function RedeemForm({ user }: { user: UserDetail }) {
  const client = useQueryClient();
  const gate = useRoleGate('points.redeem');
  const rewards = useQuery(pointsQueries.rewards());
  const [rewardId, setRewardId] = useState('');
  const [points, setPoints] = useState('');
  const [description, setDescription] = useState('');
  const [key, setKey] = useState(() => newSubmissionKey('redeem'));
  const reward = rewards.data?.find((r) => String(r.id) === rewardId);
  const amount = reward ? reward.cost : parseWhole(points);
  const input = {
    userId: user.id,
    points: amount,
    description: reward && !description ? reward.name : description,
    idempotencyKey: key,
    ...(reward ? { rewardId: reward.id } : {}),
  };
  const balance = user.points ?? 0;
  // The schema knows the limits of an amount; only the balance knows whether it is covered.
  const form = useContractForm('points.redeem', input, pointsMutations.redeem(client), (i): FieldErrors =>
    i.points > balance
      ? { points: `The balance is ${formatPoints(balance)}; short by ${formatPoints(i.points - balance)}.` }
      : {},
  );
  const submit = (settled: () => void) =>
    form.submit({
      onSuccess: () => {
        setPoints('');
        setDescription('');
        setRewardId('');
        form.reset();
        setKey(newSubmissionKey('redeem'));
      },
      onSettled: settled,
    });
  return (
    <ConfirmedForm
      label="Redeem points"
      gate={gate}
      validate={form.validate}
      submitLabel="Redeem…"
      confirmTitle="Redeem points?"
      confirmLabel={`Redeem ${amount} points`}
      busy={form.mutation.isPending}
      onConfirm={submit}
      summary={
        <>
          <p>
            Debit <strong>{formatPoints(amount)}</strong> from {user.name} (#{user.id}) for “
            {input.description}”
            {reward ? `, redeeming “${reward.name}” (valid ${reward.validityDays} days)` : ''}.
          </p>
          <p className="muted">
            The balance goes from {formatPoints(balance)} to {formatPoints(balance - amount)}.
          </p>
        </>
      }
    >
      <Field label="Reward">
        <select name="reward" value={rewardId} onChange={(e) => setRewardId(e.target.value)}>
          <option value="">No reward (free amount)</option>
          {rewards.data?.map((r) => (
            <option key={r.id} value={r.id} disabled={r.cost > balance}>
              {r.name} — {formatPoints(r.cost)} · valid {r.validityDays} days
            </option>
          ))}
        </select>
      </Field>
      <PointsField
        value={reward ? String(reward.cost) : points}
        readOnly={Boolean(reward)}
        onChange={setPoints}
        error={form.errorFor('points', points !== '' || reward !== undefined)}
      />
      <DescriptionField
        value={description}
        onChange={setDescription}
        error={form.errorFor('description', description !== '')}
        placeholder={reward?.name ?? 'e.g. Free delivery reward'}
      />
    </ConfirmedForm>
  );
}
