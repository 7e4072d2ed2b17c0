import type { WriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { ReportDoc } from './model';

/**
 * A report as CSV: the title, metadata and totals as `#` comment lines (csv-parse reads them
 * back with `comment: '#'`), then one header line and the rows, streamed.
 */
export async function writeCsv(doc: ReportDoc, out: WriteStream): Promise<number> {
  const preface = [doc.title, ...doc.meta, ...doc.totals].map((line) =>
    typeof line === 'string' ? `# ${line}\n` : `# ${line[0]}: ${line[1]}\n`,
  );
  out.write(preface.join(''));
  let count = 0;
  async function* records() {
    for await (const row of doc.rows()) {
      count++;
      yield row;
    }
  }
  await pipeline(
    Readable.from(records()),
    // A cell starting with = + - @ tab or CR is a formula to a spreadsheet (=HYPERLINK from an
    // operator-written description): csv-stringify prefixes it with ' so it stays text.
    stringify({
      header: true,
      escape_formulas: true,
      columns: doc.columns.map((c) => ({ key: c.key, header: c.key })),
    }),
    out,
  );
  return count;
}
