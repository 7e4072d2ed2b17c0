/**
 * A table's rows as the lines of a version-2 backup, built from the server's plain COPY text.
 *
 * A version-2 row is `JSON.stringify` of the array of its columns' PostgreSQL text (each type's
 * own output, the text COPY writes) with null for NULL: `["7","42",null,"earned",…]`. That is
 * the COPY line itself with each field put between quotes, so the conversion is one pass over
 * the bytes: COPY's escapes for a backslash, newline, tab, carriage return, backspace and form
 * feed are JSON's too, byte for byte; only a quote, a vertical tab and the other control
 * characters are rewritten. The pass works on bytes: UTF-8 passes through unchanged, and every
 * byte that matters to COPY or JSON is ASCII.
 *
 * Measured on 10M transactions (bench/results): a byte loop here keeps pace with the server's
 * COPY, where regular expressions over strings (several nanoseconds a character) could not.
 */

import type { IdSet } from './idSet';

const TAB = 0x09;
const NEWLINE = 0x0a;
const QUOTE = 0x22;
const COMMA = 0x2c;
const BACKSLASH = 0x5c;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const N = 0x4e;
const COPY_DATA = 0x64;
const HEX = Buffer.from('0123456789abcdef');

/** COPY's escape letters whose JSON escape is the same two bytes: \\ \b \f \n \r \t. */
const SAME_ESCAPE = new Uint8Array(256);
for (const c of '\\bfnrt') SAME_ESCAPE[c.charCodeAt(0)] = 1;
const VERTICAL_TAB = 'v'.charCodeAt(0);

export interface ConvertedLines {
  text: Buffer;
  rows: number;
}

export interface LineOptions {
  /** Add each line's integer in this column (0-based; null skipped) to this set. */
  note?: { column: number; ids: IdSet };
  /** Keep only the lines whose first column (the id) is in this set. */
  keep?: IdSet;
}

const DIGIT_0 = 0x30;
const MINUS = 0x2d;

/** The integer COPY wrote between `from` and the next tab or newline. */
function intAt(input: Buffer, from: number): number {
  let p = from;
  const negative = input[p] === MINUS;
  if (negative) p++;
  let n = 0;
  for (let d = input[p]! - DIGIT_0; d >= 0 && d <= 9; d = input[++p]! - DIGIT_0) n = n * 10 + d;
  return negative ? -n : n;
}

/**
 * Bytes copied as they are: printable ASCII but the quote and the backslash, and every byte of
 * UTF-8's multi-byte sequences. One table lookup a byte in the hot loop, where three comparisons
 * were (4.5 against 5.8 ns a byte of the log's COPY text on this machine).
 */
const PLAIN = new Uint8Array(256);
for (let c = 0x20; c < 256; c++) PLAIN[c] = 1;
PLAIN[QUOTE] = 0;
PLAIN[BACKSLASH] = 0;

/** Out of line: rare (a line of mostly escapes), and kept out of the hot loop. */
function grow(out: Buffer, used: number, room: number): Buffer {
  const bigger = Buffer.allocUnsafe(Math.max(room, out.length * 2));
  out.copy(bigger, 0, 0, used);
  return bigger;
}

function fail(message: string): never {
  throw new Error(message);
}

function convertMessages(
  input: Buffer,
  columns: number,
  notedField: number,
  noted: IdSet | null,
  keep: IdSet | null,
): ConvertedLines {
  let out: Buffer = Buffer.allocUnsafe(input.length + (input.length >> 1) + 4096);
  let o = 0;
  let rows = 0;
  for (let p = 0, next = 0; p < input.length; p = next) {
    next = p + 1 + input.readUInt32BE(p + 1);
    const end = next - 1;
    if (input[p] !== COPY_DATA || input[end] !== NEWLINE)
      fail("The server's COPY output is not one line per CopyData message.");
    p += 5;
    if (keep !== null && !keep.has(intAt(input, p))) continue;
    const room = o + 6 * (end - p) + 5 * columns + 4;
    if (room > out.length) out = grow(out, o, room);
    out[o++] = OPEN;
    let fields = 0;
    for (;;) {
      fields++;
      let c = input[p]!;
      if (c === BACKSLASH && input[p + 1] === N && (p + 2 === end || input[p + 2] === TAB)) {
        out[o++] = 0x6e; // n
        out[o++] = 0x75; // u
        out[o++] = 0x6c; // l
        out[o++] = 0x6c; // l
        p += 2;
        c = input[p]!;
      } else {
        if (fields === notedField) noted!.add(intAt(input, p));
        out[o++] = QUOTE;
        for (;;) {
          while (PLAIN[c] === 1) {
            out[o++] = c;
            c = input[++p]!;
          }
          if (c === TAB || p === end) break;
          if (c === QUOTE) {
            out[o++] = BACKSLASH;
            out[o++] = QUOTE;
          } else if (c === BACKSLASH) {
            const escape = input[++p]!;
            if (SAME_ESCAPE[escape] === 1) {
              out[o++] = BACKSLASH;
              out[o++] = escape;
            } else {
              if (escape !== VERTICAL_TAB)
                fail(`Unexpected escape \\${String.fromCharCode(escape)} in the server's COPY output.`);
              o = controlEscape(out, o, 0x0b);
            }
          } else {
            o = controlEscape(out, o, c);
          }
          c = input[++p]!;
        }
        out[o++] = QUOTE;
      }
      if (p === end) break;
      out[o++] = COMMA;
      p++;
    }
    if (fields !== columns) fail(`The server's COPY line has ${fields} fields, expected ${columns}.`);
    out[o++] = CLOSE;
    out[o++] = NEWLINE;
    rows++;
  }
  return { text: out.subarray(0, o), rows };
}

/** A control character JSON has no short escape for: \u00XX, as JSON.stringify writes it. */
function controlEscape(out: Buffer, o: number, c: number): number {
  out[o] = BACKSLASH;
  out[o + 1] = 0x75; // u
  out[o + 2] = 0x30;
  out[o + 3] = 0x30;
  out[o + 4] = HEX[c >> 4]!;
  out[o + 5] = HEX[c & 15]!;
  return o + 6;
}

/**
 * Returns a function from whole CopyData messages (CopyOutQuery's buffers: one COPY text line
 * each, `columns` fields) to the same rows as version-2 backup lines, each ending in a newline.
 * A line with another number of fields, or an escape COPY never writes, throws rather than
 * guessing.
 */
export function copyLinesToJson(
  columns: number,
  options: LineOptions = {},
): (input: Buffer) => ConvertedLines {
  const notedField = options.note ? options.note.column + 1 : 0;
  const noted = options.note?.ids ?? null;
  const keep = options.keep ?? null;
  return (input) => convertMessages(input, columns, notedField, noted, keep);
}
