/** Rows a PageUp/PageDown moves: about one screenful of the results table. */
const PAGE_ROWS = 15;

/**
 * Where the highlighted result goes for a key, or null when the key is not ours. Home and End
 * are left to the search field, where they move the text cursor.
 */
export function nextActive(key: string, active: number, count: number): number | null {
  if (count === 0) return null;
  const clamp = (i: number) => Math.max(0, Math.min(count - 1, i));
  switch (key) {
    case 'ArrowDown':
      return clamp(active + 1);
    case 'ArrowUp':
      return clamp(active - 1);
    case 'PageDown':
      return clamp(active + PAGE_ROWS);
    case 'PageUp':
      return clamp(active - PAGE_ROWS);
    default:
      return null;
  }
}
