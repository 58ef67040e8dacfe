import fc from 'fast-check';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, ParameterError } from '@driftwatch/contracts';
import { parseNumericCsv, parseNumericCsv64, readNumericCsvFile } from './numeric-csv';

/** The reference: Number() semantics, with empty → NaN and the 'nan'/'inf' spellings. */
function reference64(token: string): number {
  const t = token.trim();
  if (t === '' || /^[+-]?nan$/i.test(t)) return NaN;
  if (/^[+-]?inf(inity)?$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  return Number(t);
}

/** The float32 reference: Math.fround(Number(text)). */
const reference = (token: string) => Math.fround(reference64(token));

function expectSameFloats(actual: Float32Array, expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  // Object.is tells -0 from 0 and matches NaN with NaN
  const mismatches = expected.flatMap((e, i) => (Object.is(actual[i], e) ? [] : [`#${i}: ${actual[i]} ≠ ${e}`]));
  expect(mismatches).toEqual([]);
}

function catchInputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}

const digits = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
/** Decimal literals of every shape: sign, integer and fraction digits, optional exponent. */
const decimalToken = fc
  .tuple(
    fc.constantFrom('', '+', '-'),
    digits(0, 20),
    fc.boolean(),
    digits(0, 20),
    fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), digits(1, 3))),
  )
  .filter(([, int, , frac]) => int.length + frac.length > 0)
  .map(
    ([sign, int, dot, frac, exp]) =>
      `${sign}${int}${dot || frac.length > 0 ? '.' : ''}${frac}${exp ? exp.join('') : ''}`,
  );
const token = fc.oneof(
  decimalToken,
  fc.double().map(String),
  fc.float().map((x) => String(x)),
  fc.integer().map(String),
  fc.constantFrom('', 'NaN', 'nan', 'inf', '-inf', 'Infinity', '-Infinity', '0', '-0', '1', '0.49'),
);

describe('parseNumericCsv', () => {
  it('equals Math.fround(Number(field)) on random tables, line endings and final newlines', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 6 })
          .chain((width) =>
            fc.array(fc.array(token, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 12 }),
          ),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        (rows, eol, finalNewline) => {
          // a single empty field in a one-column table is an empty line; keep the last one non-blank
          fc.pre(!(rows[0].length === 1 && rows[rows.length - 1][0] === ''));
          const text = rows.map((r) => r.join(',')).join(eol) + (finalNewline ? eol : '');
          const table = parseNumericCsv(text);
          expect(table.rowCount).toBe(rows.length);
          expect(table.columnCount).toBe(rows[0].length);
          expect(table.columns).toBeNull();
          expectSameFloats(table.values, rows.flat().map(reference));
        },
      ),
      { numRuns: 400, seed: 20260301 },
    );
  });

  it('parseNumericCsv64 equals Number(field) exactly (no float32 rounding to hide a wrong last bit)', () => {
    fc.assert(
      fc.property(fc.array(token, { minLength: 1, maxLength: 40 }), (tokens) => {
        fc.pre(tokens[tokens.length - 1] !== '' || tokens.length > 1);
        const table = parseNumericCsv64(tokens.join(','));
        const expected = tokens.map(reference64);
        expect(
          Array.from(table.values)
            .map((v, i) => (Object.is(v, expected[i]) ? null : `${tokens[i]}: ${v}`))
            .filter(Boolean),
        ).toEqual([]);
      }),
      { numRuns: 1500, seed: 7 },
    );
    // 1e23 and 8.1e-21 are classic cases where mantissa × 10^e in two roundings is one bit off
    const hard = ['1e23', '8.1e-21', '0.3', '2.2250738585072014e-308', '9007199254740993', '123456789012345.6', '4.35'];
    expect(Array.from(parseNumericCsv64(hard.join(',')).values)).toEqual(hard.map(Number));
  });

  it('reads the edge cases of the number syntax', () => {
    const cases: [string, number][] = [
      ['1e-5', Math.fround(1e-5)],
      ['-2.5E+3', -2500],
      ['+1', 1],
      ['-0', -0],
      ['.5', 0.5],
      ['5.', 5],
      ['0.49', Math.fround(0.49)],
      ['1', 1],
      ['0', 0],
      ['3.4028235677973366e38', Math.fround(3.4028235677973366e38)],
      ['1e39', Infinity],
      ['1e-50', 0],
      ['123456789012345678901234567890', Math.fround(1.2345678901234568e29)],
      ['0.000000000000000000000000000001', Math.fround(1e-30)],
      ['7e22', Math.fround(7e22)],
      ['7e23', Math.fround(7e23)],
      [' 2.5 ', 2.5],
      ['NaN', NaN],
      ['nan', NaN],
      ['inf', Infinity],
      ['-Infinity', -Infinity],
    ];
    const table = parseNumericCsv(cases.map(([t]) => t).join(','));
    expectSameFloats(
      table.values,
      cases.map(([, v]) => v),
    );
  });

  it('turns empty fields into NaN and accepts CRLF, a missing final newline and a blank last line', () => {
    const table = parseNumericCsv('1,,3\r\n,5,\r\n7,8,9\r\n\r\n');
    expect(table.rowCount).toBe(3);
    expectSameFloats(table.values, [1, NaN, 3, NaN, 5, NaN, 7, 8, 9]);
    expectSameFloats(parseNumericCsv('1,2\n3,4').values, [1, 2, 3, 4]);
    expectSameFloats(parseNumericCsv('1,2\n3,4\n\n').values, [1, 2, 3, 4]);
    expect(parseNumericCsv('').rowCount).toBe(0);
  });

  it('reads a header, a delimiter, a byte-order mark and the same from bytes or text', () => {
    const table = parseNumericCsv('\ufeffa;b\n1;2\n', { header: true, delimiter: ';' });
    expect(table.columns).toEqual(['a', 'b']);
    expectSameFloats(table.values, [1, 2]);
    const bytes = new TextEncoder().encode('0.1,0.2\n');
    expect(Array.from(parseNumericCsv(bytes).values)).toEqual(Array.from(parseNumericCsv('0.1,0.2\n').values));
    for (const bad of ['.', 'e', '5', '"', ';;'])
      expect(() => parseNumericCsv('1', { delimiter: bad })).toThrow(ParameterError);
    expectSameFloats(parseNumericCsv('1\t-2e1\n', { delimiter: '\t' }).values, [1, -20]);
  });

  it('falls back to csv-parse for quoted fields', () => {
    const table = parseNumericCsv('"x","y"\n"1.5",2\n3,""\n', { header: true });
    expect(table.columns).toEqual(['x', 'y']);
    expectSameFloats(table.values, [1.5, 2, 3, NaN]);
  });

  it('names file, line, column and field of a bad token', () => {
    const e = catchInputError(() => parseNumericCsv('1,2,3\n4,x5,6\n', { file: 'a.csv' }));
    expect(e.location).toEqual({ file: 'a.csv', line: 2, column: 3 });
    expect(e.expected).toContain('field 2');
    expect(e.message).toBe('a.csv:2:3: expected a number in field 2, found "x5"');
    // columns count characters, not bytes: a no-break space (2 bytes in UTF-8) is white space to Number()
    const u = catchInputError(() => parseNumericCsv('1,2\n\u00a01,x\n', { file: 'q.csv' }));
    expect(u.location).toEqual({ file: 'q.csv', line: 2, column: 4 });
    const v = catchInputError(() => parseNumericCsv('1, 2\n1,1e\n', { file: 'b.csv' }));
    expect(v.location).toEqual({ file: 'b.csv', line: 2, column: 3 });
    for (const bad of ['-', '.', '1e', '1.2.3', '0x10', '1_0', '--1', 'e5']) {
      expect(catchInputError(() => parseNumericCsv(`0,${bad}`)).location).toEqual({
        file: undefined,
        line: 1,
        column: 3,
      });
    }
  });

  it('names the row of the wrong width, where it goes wrong and the field number', () => {
    const many = catchInputError(() => parseNumericCsv('1,2\n3,4\n5,6,7\n', { file: 'w.csv' }));
    expect(many.location).toEqual({ file: 'w.csv', line: 3, column: 5 });
    expect(many.expected).toBe('2 fields per row (as in the first row); field 3 starts here');
    expect(many.message).toContain('found "3 fields"');
    const few = catchInputError(() => parseNumericCsv('h1,h2,h3\n1,2,3\r\n4,5\r\n', { file: 'w.csv', header: true }));
    expect(few.location).toEqual({ file: 'w.csv', line: 3, column: 4 });
    expect(few.expected).toContain('field 3 is missing');
    const quoted = catchInputError(() => parseNumericCsv('1,2\n"3",4,"5"\n', { file: 'w.csv' }));
    expect(quoted.location).toEqual({ file: 'w.csv', line: 2, column: 7 });
    const quotedBad = catchInputError(() => parseNumericCsv('1,2\n"3","y"\n', { file: 'w.csv' }));
    expect(quotedBad.location).toEqual({ file: 'w.csv', line: 2, column: 5 });
    expect(quotedBad.expected).toContain('field 2');
    const expected = catchInputError(() => parseNumericCsv('1,2\n', { expectedColumns: 3 }));
    expect(expected.expected).toContain('(as requested)');
  });

  it('reads a file and names it in errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ingest-csv-'));
    try {
      const path = join(dir, 'x.csv');
      await writeFile(path, '1,2\n3,?\n');
      await expect(readNumericCsvFile(path)).rejects.toMatchObject({ location: { file: path, line: 2, column: 3 } });
      await writeFile(path, '0.25,4\n');
      expectSameFloats((await readNumericCsvFile(path)).values, [0.25, 4]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
