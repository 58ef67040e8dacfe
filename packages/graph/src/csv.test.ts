import { InputError } from '@driftwatch/contracts';
import { parseEdgeListCsv } from './csv';
import { looksLikeIPv4 } from './hosts';

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('parseEdgeListCsv', () => {
  it('reads rows, merging nothing and keeping file order', () => {
    const rows = parseEdgeListCsv('Source,Target,Weight\nfrontend,cartservice,1\ncartservice,33.33.33.80,2.5\n');
    expect(rows).toEqual([
      { source: 'frontend', target: 'cartservice', weight: 1 },
      { source: 'cartservice', target: '33.33.33.80', weight: 2.5 },
    ]);
  });

  it('accepts any header case and column order, CRLF, a BOM, blank lines and quotes', () => {
    const text = '\uFEFFweight,TARGET,source,comment\r\n3,b,a,x\r\n\r\n"0.5","c ""quoted""",b,"y, z"\r\n';
    expect(parseEdgeListCsv(text)).toEqual([
      { source: 'a', target: 'b', weight: 3 },
      { source: 'b', target: 'c "quoted"', weight: 0.5 },
    ]);
  });

  it('weight defaults to 1 without a Weight column', () => {
    expect(parseEdgeListCsv('Source,Target\na,b\nb,c')).toEqual([
      { source: 'a', target: 'b', weight: 1 },
      { source: 'b', target: 'c', weight: 1 },
    ]);
  });

  it('names file, line and column of a bad row', () => {
    const file = 'dependency.csv';
    let e = inputError(() => parseEdgeListCsv('Source,Target,Weight\na,b,1\na,c\n', { file }));
    expect(e.location).toEqual({ file, line: 3, column: 4 });
    expect(e.message).toBe('dependency.csv:3:4: expected 3 comma-separated fields, found "2 fields"');
    e = inputError(() => parseEdgeListCsv('Source,Target,Weight\na,b,1,9\n', { file }));
    expect(e.location).toEqual({ file, line: 2, column: 7 });
    e = inputError(() => parseEdgeListCsv('Source,Target,Weight\na,b,1\nfrontend,cart,abc\n', { file }));
    expect(e.location).toEqual({ file, line: 3, column: 15 });
    expect(e.expected).toBe('a non-negative number as Weight');
    e = inputError(() => parseEdgeListCsv('Source,Target,Weight\na,b,-2\n', { file }));
    expect(e.location.column).toBe(5);
    e = inputError(() => parseEdgeListCsv('Source,Target,Weight\na,,1\n', { file }));
    expect(e.location).toEqual({ file, line: 2, column: 3 });
    e = inputError(() => parseEdgeListCsv('Source,Target,Weight\n10.0.0.1,a,1\n', { file }));
    expect(e.location).toEqual({ file, line: 2, column: 1 });
    e = inputError(() => parseEdgeListCsv('Source,Target\n"a,b\n', { file }));
    expect(e.location).toEqual({ file, line: 2, column: 1 });
    expect(e.expected).toBe('a closing double quote');
  });

  it('rejects a missing or incomplete header', () => {
    expect(inputError(() => parseEdgeListCsv('')).location).toEqual({ file: undefined, line: 1, column: 1 });
    const e = inputError(() => parseEdgeListCsv('\nSource,Dest\na,b\n', { file: 'x.csv' }));
    expect(e.location).toEqual({ file: 'x.csv', line: 2, column: 1 });
    expect(e.message).toMatch(/Target column/);
    expect(inputError(() => parseEdgeListCsv('Source,Target,source\n')).location.column).toBe(15);
  });
});

describe('looksLikeIPv4', () => {
  it.each([
    ['33.33.33.76', true],
    ['0.0.0.0', true],
    ['255.255.255.255', true],
    ['256.1.1.1', false],
    ['1.2.3', false],
    ['1.2.3.4.5', false],
    ['a.b.c.d', false],
    ['frontend', false],
    [' 1.2.3.4', false],
  ])('%s → %s', (name, expected) => expect(looksLikeIPv4(name)).toBe(expected));
});
