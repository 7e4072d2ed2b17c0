import { useMutation, type MutateOptions, type UseMutationOptions } from '@tanstack/react-query';
import { useState } from 'react';
import { contract, type CallInput, type CallName } from '../../../shared/contract';
import { ApiError, messageOf } from '../data/ApiError';
import { fieldErrors } from './fieldErrors';

export type FieldErrors = Record<string, string>;

/** The per-field issues of a VALIDATION refusal from the registry (`details: [{ path, message }]`). */
function serverFieldErrors(error: unknown): FieldErrors {
  if (!(error instanceof ApiError) || error.code !== 'VALIDATION' || !Array.isArray(error.details)) return {};
  const errors: FieldErrors = {};
  for (const issue of error.details as unknown[]) {
    if (typeof issue !== 'object' || issue === null) continue;
    const { path, message } = issue as { path?: unknown; message?: unknown };
    if (typeof path !== 'string' || typeof message !== 'string' || path === '') continue;
    errors[path.split('.')[0]!] ??= message;
  }
  return errors;
}

const sameInput = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * A form over one contract call: the would-be input is validated by the call's own zod schema
 * as the person types (so the form refuses exactly what the registry would), zod issues become
 * per-field messages, and the submission goes through the data layer's mutation options.
 *
 * A message shows once the form was submitted or its field was typed in (`errorFor(field,
 * dirty)`). A server VALIDATION refusal lands on its field while the input is the one submitted;
 * any other refusal is `serverError`, for the form to show as a whole.
 */
export function useContractForm<K extends CallName, R>(
  name: K,
  input: CallInput<K>,
  options: UseMutationOptions<R, Error, CallInput<K>>,
  /** Rules the schema cannot know (a balance, say), as more per-field messages. */
  check?: (input: CallInput<K>) => FieldErrors,
) {
  const mutation = useMutation(options);
  const [touched, setTouched] = useState(false);
  const errors: FieldErrors = { ...check?.(input), ...fieldErrors(contract[name].input, input) };
  const valid = Object.keys(errors).length === 0;
  const submitted = mutation.isError && sameInput(mutation.variables, input);
  const fromServer = submitted ? serverFieldErrors(mutation.error) : {};
  const fieldsRefused = Object.keys(fromServer).length > 0;

  /** Marks the form submitted and says whether its input may be sent (confirm-first forms). */
  const validate = () => {
    setTouched(true);
    return valid;
  };
  return {
    errors,
    valid,
    touched,
    mutation,
    errorFor: (field: string, dirty = false) =>
      touched || dirty ? (errors[field] ?? fromServer[field]) : fromServer[field],
    serverError: mutation.isError && !fieldsRefused ? messageOf(mutation.error) : null,
    validate,
    submit: (callbacks?: MutateOptions<R, Error, CallInput<K>>) => {
      if (validate()) mutation.mutate(input, callbacks);
    },
    /** After a success: a clean form again. */
    reset: () => {
      setTouched(false);
      mutation.reset();
    },
  };
}
