import { describe, expect, it } from 'vitest';
import { copyLine } from '../../src/main/ledger/backup/copyIn';
import type { RowVisit } from '../../src/main/ledger/backup/reader';

const visit = (v: Partial<RowVisit>): RowVisit => ({
  table: 'points_transactions',
  line: 7,
  id: 1,
  values: null,
  row: {},
  columns: [],
  ...v,
});

describe('a backup row as COPY text for its staging table', () => {
  it('escapes what COPY reads specially and marks NULL, with the line number last', () => {
    const line = copyLine(
      visit({ values: ['1', 'tab\there', 'two\nlines\r', 'back\\slash \\N', null, '\\x0a1b', ''] }),
    );
    expect(line).toBe('1\ttab\\there\ttwo\\nlines\\r\tback\\\\slash \\\\N\t\\N\t\\\\x0a1b\t\t7\n');
  });

  it('turns version-1 values into their columns’ text, in the header’s column order', () => {
    const line = copyLine(
      visit({
        columns: ['id', 'active', 'amount', 'used_at', 'name', 'missing'],
        row: { name: 'Ann\tB', amount: 12.5, active: false, id: 3, used_at: null },
        line: 12,
      }),
    );
    expect(line).toBe('3\tf\t12.5\t\\N\tAnn\\tB\t\\N\t12\n');
  });

  it('keeps the escaping right for many rows in a row (no state between calls)', () => {
    for (let i = 0; i < 5; i++) expect(copyLine(visit({ values: ['a\\b'] }))).toBe('a\\\\b\t7\n');
  });
});
