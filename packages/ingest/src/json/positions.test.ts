import fc from 'fast-check';
import { InputError } from '@driftwatch/contracts';
import { type JsonNode, parseJsonWithPositions, plainValue as plain } from './positions';

function errorOf(text: string): InputError {
  try {
    parseJsonWithPositions(text, 'list.json');
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('no error');
}

describe('parseJsonWithPositions', () => {
  it('gives the same values as JSON.parse', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        expect(plain(parseJsonWithPositions(text, 'x.json'))).toEqual(JSON.parse(text));
      }),
    );
  });

  it('records where values and keys start (1-based line and column)', () => {
    const text = '{\n  "08": [\n    {"a": 1},\n    {"b": "x"}\n  ]\n}';
    const root = parseJsonWithPositions(text, 'x.json');
    if (root.kind !== 'object') throw new Error('object expected');
    const hour = root.entries[0];
    expect(hour.keyAt).toMatchObject({ line: 2, column: 3 });
    if (hour.value.kind !== 'array') throw new Error('array expected');
    expect(hour.value.at).toMatchObject({ line: 2, column: 9 });
    expect(hour.value.items.map((i) => [i.at.line, i.at.column])).toEqual([
      [3, 5],
      [4, 5],
    ]);
  });

  it('counts columns in characters, not bytes', () => {
    const root = parseJsonWithPositions('{"é€": 1, "k": 2}', 'x.json');
    if (root.kind !== 'object') throw new Error('object expected');
    expect(root.entries[1].keyAt.column).toBe(11);
  });

  it.each([
    ['a missing comma', '{\n  "a": 1\n  "b": 2\n}', 3, 3, '"," or "}"'],
    ['a trailing comma', '[1,\n 2,\n]', 3, 1, 'a JSON value'],
    ['an unterminated string', '{"a": "xyz', 1, 7, 'a closing double quote'],
    ['single quotes', "{'a': 1}", 1, 2, 'a double-quoted property name'],
    ['text after the value', '{} x', 1, 4, 'the end of the JSON text'],
    ['a bad escape', '["a\\qb"]', 1, 4, 'an escape'],
    ['an empty file', '', 1, 1, 'a JSON value'],
  ])('names line and column of %s', (_, text, line, column, expected) => {
    const error = errorOf(text);
    expect(error.location).toEqual({ file: 'list.json', line, column });
    expect(error.message).toContain(`list.json:${line}:${column}`);
    expect(error.expected).toContain(expected);
  });
});

describe('positions of every value', () => {
  it('match line and code-point column counted from the text, on one long line and on many (emoji included)', () => {
    const items = Array.from({ length: 3000 }, (_, i) => (i % 7 === 0 ? `"😀${i}"` : String(i)));
    for (const text of [`[${items.join(',')}]`, `[\n${items.join(',\n  ')}\n]`]) {
      const root = parseJsonWithPositions(text, 'x.json') as JsonNode & { kind: 'array' };
      const lines = text.split('\n');
      for (const k of [0, 1, 7, 1500, 2999]) {
        const { offset, line, column } = root.items[k].at;
        const before = text.slice(0, offset).split('\n');
        expect(line).toBe(before.length);
        expect(column).toBe([...before[before.length - 1]].length + 1);
        expect(lines[line - 1].length).toBeGreaterThan(0);
      }
    }
  });
});
