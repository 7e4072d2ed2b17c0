/** One points formatter and one date format for every screen and the CLI. */
const pointsFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatPoints(points: number): string {
  return `${pointsFormat.format(points)} pts`;
}

export function formatSignedPoints(points: number): string {
  return `${points > 0 ? '+' : ''}${pointsFormat.format(points)}`;
}

/** Data is ISO 8601 UTC; a person sees local time. */
export function formatLocalDateTime(iso: string | null): string {
  if (iso === null) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}
