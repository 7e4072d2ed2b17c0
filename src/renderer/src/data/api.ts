import type { PointkeeperApi } from '../../../shared/api';
import type { CallInput, CallName, CallOutput } from '../../../shared/contract';
import type { ProgressListener } from '../../../shared/progress';
import { ApiError } from './ApiError';

declare global {
  interface Window {
    /** Installed by the preload (Electron) or by the e2e test host's bridge. */
    pointkeeper?: PointkeeperApi;
  }
}

function pointkeeper(): PointkeeperApi {
  const api = window.pointkeeper;
  if (!api) throw new ApiError('DB_UNAVAILABLE', 'The console is not connected to its backend.');
  return api;
}

export function transport(): PointkeeperApi['transport'] | null {
  return window.pointkeeper?.transport ?? null;
}

/**
 * The renderer's only way to the ledger. A Result error becomes a thrown ApiError so React
 * Query's error states carry the contract's code and message; a transport failure (IPC or
 * fetch rejected) becomes DB_UNAVAILABLE rather than leaking its internals.
 */
export async function call<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>> {
  const fn = pointkeeper().calls[name];
  let result;
  try {
    result = await fn(input);
  } catch {
    throw new ApiError('DB_UNAVAILABLE', `The console could not reach its backend for ${name}.`);
  }
  if (!result.ok) throw new ApiError(result.error.code, result.error.message, result.error.details);
  return result.data;
}

/** Follows pushed progress events; a window without a backend gets none (and nothing to undo). */
export function subscribeProgress(listener: ProgressListener): () => void {
  return window.pointkeeper?.onProgress(listener) ?? (() => {});
}
