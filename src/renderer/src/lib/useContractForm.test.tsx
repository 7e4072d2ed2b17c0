import { QueryClient, QueryClientProvider, mutationOptions } from '@tanstack/react-query';
import { act, renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { describe, expect, it, vi } from 'vitest';
import type { CallInput } from '../../../shared/contract';
import { ApiError } from '../data/ApiError';
import { useContractForm } from './useContractForm';

type ReverseInput = CallInput<'points.reverse'>;

function setup(input: ReverseInput, mutationFn: (i: ReverseInput) => Promise<string>) {
  const client = new QueryClient({ defaultOptions: { mutations: { retry: false } } });
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={client}>{children}</QueryClientProvider>
  );
  const options = mutationOptions({ mutationFn, meta: { inlineErrors: true } });
  return renderHook(({ value }) => useContractForm('points.reverse', value, options), {
    wrapper,
    initialProps: { value: input },
  });
}

describe('useContractForm', () => {
  it('submits a valid input through the mutation, once', async () => {
    const mutationFn = vi.fn((_: ReverseInput) => Promise.resolve('done'));
    const onSuccess = vi.fn();
    const { result } = setup({ transactionId: 7, reason: 'duplicate order' }, mutationFn);
    expect(result.current.valid).toBe(true);
    expect(result.current.errors).toEqual({});
    act(() => result.current.submit({ onSuccess }));
    await waitFor(() => expect(onSuccess).toHaveBeenCalled());
    expect(mutationFn).toHaveBeenCalledTimes(1);
    expect(mutationFn.mock.calls[0]![0]).toEqual({ transactionId: 7, reason: 'duplicate order' });
    expect(result.current.serverError).toBeNull();
  });

  it("maps the contract schema's issues to fields, shown once submitted or typed in, and sends nothing", () => {
    const mutationFn = vi.fn((_: ReverseInput) => Promise.resolve('done'));
    const { result } = setup({ transactionId: -1, reason: '' }, mutationFn);
    expect(result.current.valid).toBe(false);
    expect(Object.keys(result.current.errors).sort()).toEqual(['reason', 'transactionId']);
    // Not shown before the person did anything, except for a field typed in.
    expect(result.current.errorFor('reason')).toBeUndefined();
    expect(result.current.errorFor('reason', true)).toBe(result.current.errors.reason);
    act(() => result.current.submit());
    expect(mutationFn).not.toHaveBeenCalled();
    expect(result.current.touched).toBe(true);
    expect(result.current.errorFor('transactionId')).toMatch(/./);
    act(() => result.current.reset());
    expect(result.current.errorFor('reason')).toBeUndefined();
  });

  it('puts a server VALIDATION issue on its field while the input is the one sent, any other refusal on the form', async () => {
    const mutationFn = vi.fn((i: ReverseInput) =>
      Promise.reject(
        i.transactionId === 7
          ? new ApiError('VALIDATION', 'reason: not allowed', [
              { path: 'reason', message: 'Not allowed here.' },
            ])
          : new ApiError('NOT_FOUND', 'Transaction 8 does not exist.'),
      ),
    );
    const { result, rerender } = setup({ transactionId: 7, reason: 'duplicate order' }, mutationFn);
    act(() => result.current.submit());
    await waitFor(() => expect(result.current.errorFor('reason')).toBe('Not allowed here.'));
    expect(result.current.serverError).toBeNull();
    // Editing the field makes the server's verdict stale.
    rerender({ value: { transactionId: 7, reason: 'duplicate order 2' } });
    expect(result.current.errorFor('reason')).toBeUndefined();

    rerender({ value: { transactionId: 8, reason: 'duplicate order 2' } });
    act(() => result.current.submit());
    await waitFor(() => expect(result.current.serverError).toBe('Transaction 8 does not exist.'));
    expect(result.current.errorFor('reason')).toBeUndefined();
  });
});
