/**
 * A report's format and its file name never disagree: a typed `x.csv` is CSV whatever the
 * select said, and choosing PDF renames `x.csv` to `x.pdf`. A name without a known extension gets
 * the selected format's.
 */
export type ReportFormat = 'csv' | 'pdf';
const FORMATS: readonly ReportFormat[] = ['csv', 'pdf'];

/** The format a path's extension names, or null (no extension, or another one). */
export function formatOfPath(path: string): ReportFormat | null {
  const m = /\.([A-Za-z0-9]+)$/.exec(path.trim());
  const ext = m?.[1]?.toLowerCase();
  return FORMATS.find((f) => f === ext) ?? null;
}

/** The path with the format's extension: replaced when it has the other one, added when it has none. */
export function pathForFormat(path: string, format: ReportFormat): string {
  const trimmed = path.trim();
  if (trimmed === '') return trimmed;
  const current = formatOfPath(trimmed);
  if (current === format) return trimmed;
  if (current !== null) return `${trimmed.slice(0, -current.length)}${format}`;
  return `${trimmed}.${format}`;
}
