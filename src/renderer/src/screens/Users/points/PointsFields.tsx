import { Field } from '../../../components/Field';

interface Props {
  value: string;
  onChange: (value: string) => void;
  error: string | undefined;
}

/** The amount of an earn or a redeem: whole points, validated by the call's own schema. */
export function PointsField({ value, onChange, error, readOnly = false }: Props & { readOnly?: boolean }) {
  return (
    <Field label="Points" error={error}>
      <input
        name="points"
        inputMode="numeric"
        value={value}
        readOnly={readOnly}
        onChange={(e) => onChange(e.target.value)}
        placeholder="1–10,000"
      />
    </Field>
  );
}

/** What the log row will say the points were for. */
export function DescriptionField({ value, onChange, error, placeholder }: Props & { placeholder: string }) {
  return (
    <Field label="Description" error={error}>
      <input
        name="description"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        placeholder={placeholder}
      />
    </Field>
  );
}
