/** Prints data as JSON (for scripts) or as aligned text (for people). */
export function printJson(data: unknown): void {
  process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
}

export function printTable(rows: Array<Record<string, unknown>>, columns: string[]): void {
  if (rows.length === 0) {
    process.stdout.write('(no rows)\n');
    return;
  }
  const text = rows.map((r) =>
    columns.map((c) => (r[c] === null || r[c] === undefined ? '—' : String(r[c]))),
  );
  const widths = columns.map((c, i) => Math.max(c.length, ...text.map((t) => t[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${line(columns)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const t of text) process.stdout.write(`${line(t)}\n`);
}

export function printFields(data: Record<string, unknown>): void {
  const width = Math.max(...Object.keys(data).map((k) => k.length));
  for (const [k, v] of Object.entries(data)) {
    process.stdout.write(`${k.padEnd(width)}  ${v === null || v === undefined ? '—' : String(v)}\n`);
  }
}
