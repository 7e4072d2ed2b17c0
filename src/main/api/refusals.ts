import type { ErrorData } from '../../shared/result';

/** What the operations log keeps of a refused input: valid JSON (no NUL), at most a few KB. */
const MAX_INPUT_CHARS = 4000;

export function loggableInput(raw: unknown): unknown {
  let text: string;
  try {
    text = JSON.stringify(raw ?? {}) ?? 'null';
  } catch {
    return { unreadable: true };
  }
  // jsonb cannot hold U+0000: keep it visible as the six characters \u0000.
  text = text.replace(/\\u0000/g, '\\\\u0000');
  if (text.length <= MAX_INPUT_CHARS) return JSON.parse(text) as unknown;
  return { truncated: true, length: text.length, start: text.slice(0, MAX_INPUT_CHARS) };
}

interface Window {
  until: number;
  repeats: number;
  timer: NodeJS.Timeout | null;
}

/**
 * Keeps the operations log bounded under a flood of identical refusals (a script retrying a bad
 * call, a fuzzer): the first is written at once; repeats within the window are counted and
 * written as one row with `repeated: n` when it closes. Nothing is dropped, only summed.
 */
export class RefusalBound {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly windowMs: number) {}

  /**
   * Whether to write this refusal now; if not, `flush` is called with the count once the window
   * closes (the timer does not keep the process alive).
   */
  admit(key: string, flush: (repeated: number) => void): boolean {
    const now = Date.now();
    const open = this.windows.get(key);
    if (!open || open.until <= now) {
      this.windows.set(key, { until: now + this.windowMs, repeats: 0, timer: null });
      return true;
    }
    open.repeats++;
    open.timer ??= setTimeout(() => {
      this.windows.delete(key);
      flush(open.repeats);
    }, open.until - now).unref();
    return false;
  }
}

export const refusalKey = (actor: string, action: string, error: ErrorData) =>
  `${actor}\u0001${action}\u0001${error.code}\u0001${error.message}`;
