export type Cell = string | number | null;

export interface ReportColumn {
  key: string;
  /** Heading on paper. */
  label: string;
  /** Share of the PDF page width. */
  width: number;
  align?: 'left' | 'right';
}

/** A report's heading and layout: what the rendering worker is started with. */
export type ReportHead = Omit<ReportDoc, 'rows'>;

/** Where rendered rows go: a CSV or PDF writer, in the report worker. */
export interface RowSink {
  /** Adds rows; false once the sink wants no more (a PDF at its row limit). */
  add(rows: Array<Record<string, Cell>>): Promise<boolean>;
  /** Ends the document and returns the rows written. */
  finish(): Promise<number>;
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
