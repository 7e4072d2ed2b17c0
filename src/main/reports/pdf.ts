import type { Writable } from 'node:stream';
import { once } from 'node:events';
import type { Cell, ReportHead, RowSink } from './model';

const MARGIN = 40;
const ROW_HEIGHT = 14;
const FONT_SIZE = 8;

/** The built-in PDF fonts cover Latin-1 only: anything else is shown as "?" rather than garbage. */
const printable = (v: Cell): string =>
  v === null
    ? ''
    : String(v)
        .replace(/→/g, '->')
        .replace(/[—–]/g, '-')
        .replace(/[^\x20-\x7E\xA0-\xFF]/g, '?');

function tableHeader(pdf: PDFKit.PDFDocument, doc: ReportHead, widths: number[]): void {
  pdf.font('Helvetica-Bold').fontSize(FONT_SIZE);
  printRow(
    pdf,
    doc.columns.map((c) => c.label),
    doc,
    widths,
  );
  pdf.font('Helvetica');
}

function printRow(pdf: PDFKit.PDFDocument, cells: Cell[], doc: ReportHead, widths: number[]): void {
  const y = pdf.y;
  let x = MARGIN;
  cells.forEach((cell, i) => {
    const w = widths[i]!;
    pdf.text(printable(cell), x, y, {
      width: w - 4,
      height: ROW_HEIGHT,
      lineBreak: false,
      ellipsis: true,
      align: doc.columns[i]!.align ?? 'left',
    });
    x += w;
  });
  pdf.x = MARGIN;
  pdf.y = y + ROW_HEIGHT;
}

/**
 * A report as PDF (landscape A4): title, metadata, totals, then the rows as a table whose
 * header repeats on every page. At most doc.pdfRowLimit rows; a note says when there are more.
 */
export async function pdfSink(doc: ReportHead, out: Writable): Promise<RowSink> {
  // Loaded on first use: pdfkit and its fonts are a third of a command's start-up otherwise.
  const { default: PDFDocument } = await import('pdfkit');
  const pdf = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margin: MARGIN,
    info: { Title: doc.title },
  });
  pdf.pipe(out);
  const usable = pdf.page.width - 2 * MARGIN;
  const share = doc.columns.reduce((s, c) => s + c.width, 0);
  const widths = doc.columns.map((c) => (c.width / share) * usable);
  pdf.font('Helvetica-Bold').fontSize(16).text(printable(doc.title));
  pdf.moveDown(0.5).font('Helvetica').fontSize(9);
  for (const [k, v] of doc.meta) pdf.text(`${printable(k)}: ${printable(v)}`);
  pdf.moveDown(0.5).font('Helvetica-Bold').text('Totals');
  pdf.font('Helvetica');
  for (const [k, v] of doc.totals) pdf.text(`${printable(k)}: ${printable(v)}`);
  pdf.moveDown(1);
  tableHeader(pdf, doc, widths);
  let count = 0;
  let more = false;
  return {
    async add(rows) {
      for (const row of rows) {
        if (count >= doc.pdfRowLimit) {
          more = true;
          return false;
        }
        if (pdf.y + ROW_HEIGHT > pdf.page.height - MARGIN) {
          pdf.addPage();
          tableHeader(pdf, doc, widths);
        }
        pdf.fontSize(FONT_SIZE);
        printRow(
          pdf,
          doc.columns.map((c) => row[c.key] ?? null),
          doc,
          widths,
        );
        count++;
      }
      return true;
    },
    async finish() {
      if (more || count === 0) {
        pdf.moveDown(1).fontSize(9);
        pdf.text(
          more
            ? `Only the first ${count.toLocaleString('en-US')} rows are printed; the CSV export has them all.`
            : 'No rows.',
          MARGIN,
        );
      }
      pdf.end();
      await once(out, 'finish');
      return count;
    },
  };
}
