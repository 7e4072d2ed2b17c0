import { InvalidArgumentError } from 'commander';

/** Whole numbers only: "12abc" or "1e3" is a mistake to report, not a number to guess. */
export function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`"${value}" is not a whole number.`);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`"${value}" is too large.`);
  return n;
}

/** A money amount with at most two decimals, e.g. 25.99. */
export function amount(value: string): number {
  if (!/^\d+(\.\d{1,2})?$/.test(value.trim()))
    throw new InvalidArgumentError(`"${value}" is not an amount like 25.99.`);
  return Number(value);
}
