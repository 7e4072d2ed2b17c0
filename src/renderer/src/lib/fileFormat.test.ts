import { describe, expect, it } from 'vitest';
import { formatOfPath, pathForFormat } from './fileFormat';

describe('report format and file name', () => {
  it('reads the format from the extension, in any case', () => {
    expect(formatOfPath('/tmp/x.csv')).toBe('csv');
    expect(formatOfPath('/tmp/X.PDF')).toBe('pdf');
    expect(formatOfPath('/tmp/x.txt')).toBeNull();
    expect(formatOfPath('/tmp/x')).toBeNull();
  });
  it('makes the extension follow the format', () => {
    expect(pathForFormat('/tmp/x.csv', 'pdf')).toBe('/tmp/x.pdf');
    expect(pathForFormat('/tmp/x.pdf', 'pdf')).toBe('/tmp/x.pdf');
    expect(pathForFormat('/tmp/x', 'csv')).toBe('/tmp/x.csv');
    expect(pathForFormat('/tmp/x.txt', 'csv')).toBe('/tmp/x.txt.csv');
    expect(pathForFormat('  ', 'csv')).toBe('');
  });
});
