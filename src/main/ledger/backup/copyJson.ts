/**
 * A table's rows as the exact bytes of `row_to_json(t)`, built here from the server's plain COPY
 * text. row_to_json costs the server several times a COPY (it escapes every character of bytea's
 * hex and of every text value), and one backend is one core; converted here, on the other core,
 * the same bytes arrive at nearly the speed of a plain COPY. Integers, text and bytea are turned
 * into JSON here; every other type is rendered by the server's own to_json, so numbers, times,
 * booleans and special values (NaN, infinity, BC dates) read exactly as before.
 *
 * The text is handled as latin1, one character per byte: UTF-8 passes through unchanged, and
 * every byte that matters to COPY or JSON is ASCII.
 */

export interface CopyColumn {
  name: string;
  /** The column's type name (pg_type.typname, information_schema's udt_name). */
  type: string;
}

type Kind = 'number' | 'string' | 'bytea' | 'json';

const KINDS: Record<string, Kind> = {
  int2: 'number',
  int4: 'number',
  int8: 'number',
  text: 'string',
  varchar: 'string',
  bytea: 'bytea',
};

const kindOf = (type: string): Kind => KINDS[type] ?? 'json';

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The select list the COPY runs, column by column, on alias `t`. */
export function copySelectList(columns: readonly CopyColumn[]): string {
  return columns
    .map((c) => (kindOf(c.type) === 'json' ? `to_json(t.${quoteIdent(c.name)})` : `t.${quoteIdent(c.name)}`))
    .join(', ');
}

/** COPY's text format escapes a backslash and six control characters; nothing else (tab-delimited). */
const COPY_ESCAPES: Record<string, string> = {
  '\\': '\\',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

function unescapeCopy(field: string): string {
  return field.replace(/\\(.)/gs, (_, c: string) => {
    const plain = COPY_ESCAPES[c];
    if (plain === undefined) throw new Error(`Unexpected escape \\${c} in the server's COPY output.`);
    return plain;
  });
}

const NULL_FIELD = '\\N';

/** One COPY line (without its newline) to one JSON line: the general way, field by field. */
function lineConverter(columns: readonly CopyColumn[]): (line: string) => string {
  const kinds = columns.map((c) => kindOf(c.type));
  const keys = columns.map((c, i) => `${i === 0 ? '{' : ','}${JSON.stringify(c.name)}:`);
  return (line) => {
    const fields = line.split('\t');
    if (fields.length !== kinds.length)
      throw new Error(`The server's COPY line has ${fields.length} fields, expected ${kinds.length}.`);
    let out = '';
    fields.forEach((field, i) => {
      const kind = kinds[i]!;
      const plain = field === NULL_FIELD ? null : field.includes('\\') ? unescapeCopy(field) : field;
      const value =
        plain === null ? 'null' : kind === 'string' || kind === 'bytea' ? JSON.stringify(plain) : plain;
      out += keys[i]! + value;
    });
    return `${out}}`;
  };
}

/**
 * The fast way, one native regular-expression replace per batch of lines: a field whose COPY
 * text is already its JSON text between quotes (no quote, no control character, only the
 * escapes JSON shares with COPY) is copied as is. A null leaves `\N` (or `"\N"`) behind, set to
 * null right after: nowhere else can a colon be followed by a single backslash. A line that does
 * not match (a quote or a control character in its text) is left for the general way.
 */
const FIELD_PATTERNS: Record<Kind, string> = {
  number: String.raw`(-?\d+|\\N)`,
  string: String.raw`(\\N|(?:[^\t"\\\x00-\x1f]|\\[\\bfnrt])*)`,
  bytea: String.raw`(\\N|\\\\x[0-9a-f]*)`,
  json: String.raw`(\\N|[^\t\n\\]*)`,
};
const NULLS = /:(?:\\N|"\\N")(?=[,}])/g;
const UNCONVERTED = /^(?!\{).+$/gm;
const OPEN_BRACE = 0x7b;

/**
 * Returns a function from whole COPY text lines (latin1, each ending in a newline) to the
 * row_to_json lines of the same rows, in the same order, each ending in a newline.
 */
export function copyTextToJson(columns: readonly CopyColumn[]): (lines: string) => string {
  const kinds = columns.map((c) => kindOf(c.type));
  const row = new RegExp(`^${kinds.map((k) => FIELD_PATTERNS[k]).join('\\t')}$`, 'gm');
  const template = `${columns
    .map((c, i) => {
      const quote = kinds[i] === 'string' || kinds[i] === 'bytea' ? '"' : '';
      return `${i === 0 ? '{' : ','}${JSON.stringify(c.name).replaceAll('$', '$$$$')}:${quote}$${i + 1}${quote}`;
    })
    .join('')}}`;
  const general = lineConverter(columns);
  return (lines) => {
    const fast = lines.replace(row, template).replace(NULLS, ':null');
    const leftOver = fast.length > 0 && (fast.charCodeAt(0) !== OPEN_BRACE || /\n[^{]/.test(fast));
    return leftOver ? fast.replace(UNCONVERTED, general) : fast;
  };
}
