import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { stringify } from 'csv-stringify';
import type { ReportHead, RowSink } from './model';

/**
 * A report as CSV: the title, metadata and totals as `#` comment lines (csv-parse reads them
 * back with `comment: '#'`), then one header line and the rows, streamed.
 */
export function csvSink(doc: ReportHead, out: Writable): RowSink {
  const preface = [doc.title, ...doc.meta, ...doc.totals].map((line) =>
    typeof line === 'string' ? `# ${line}\n` : `# ${line[0]}: ${line[1]}\n`,
  );
  out.write(preface.join(''));
  // A cell starting with = + - @ tab or CR is a formula to a spreadsheet (=HYPERLINK from an
  // operator-written description): csv-stringify prefixes it with ' so it stays text.
  const csv = stringify({
    header: true,
    escape_formulas: true,
    columns: doc.columns.map((c) => ({ key: c.key, header: c.key })),
  });
  csv.pipe(out);
  let count = 0;
  return {
    async add(rows) {
      let full = false;
      for (const row of rows) full = !csv.write(row) || full;
      count += rows.length;
      if (full) await once(csv, 'drain');
      return true;
    },
    async finish() {
      csv.end();
      await once(out, 'finish');
      return count;
    },
  };
}
