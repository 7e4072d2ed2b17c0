import { InvalidArgumentError } from 'commander';

/**
 * Whole numbers only, written plainly: "12abc", "1e3", " 5", "5 ", "+5", "-5" or "007" is a
 * mistake to report, not a number to guess.
 */
export function wholeNumber(value: string): number {
  if (!/^(0|[1-9]\d*)$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a whole number.`);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`"${value}" is too large.`);
  return n;
}

/** A money amount with at most two decimals, e.g. 25.99. */
export function amount(value: string): number {
  if (!/^(0|[1-9]\d*)(\.\d{1,2})?$/.test(value))
    throw new InvalidArgumentError(`"${value}" is not an amount like 25.99.`);
  return Number(value);
}
