export type Cell = string | number | null;

export interface ReportColumn {
  key: string;
  /** Heading on paper. */
  label: string;
  /** Share of the PDF page width. */
  width: number;
  align?: 'left' | 'right';
}

/** What a report says, independent of its format: both writers render the same document. */
export interface ReportDoc {
  title: string;
  /** Database, login, filters, time of generation. */
  meta: Array<[string, string]>;
  totals: Array<[string, string]>;
  columns: ReportColumn[];
  /** Rows, streamed from the database in pages. */
  rows(): AsyncIterable<Record<string, Cell>>;
  /** Rows the PDF prints at most (the CSV has them all). */
  pdfRowLimit: number;
}
