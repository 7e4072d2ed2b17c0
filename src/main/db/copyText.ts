/** COPY's text format, without the database client: the backup reader's worker threads use it too. */
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const SPECIAL = /[\\\t\n\r]/g;
/** Without the g flag: test() on a global expression keeps state between calls. */
const HAS_SPECIAL = /[\\\t\n\r]/;

/** A value as a field of COPY's text format: backslash, tab, newline and carriage return escaped. */
export const copyField = (text: string): string =>
  HAS_SPECIAL.test(text) ? text.replace(SPECIAL, (c) => ESCAPES[c]!) : text;
