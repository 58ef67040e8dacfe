import { InputError } from '@driftwatch/contracts';
import { findJsonSyntaxError, formatJsonPath, jsonPathOffset, lineColumnAt, parseJsonText } from './json-text';

describe('JSON syntax errors', () => {
  it('places a trailing comma in an array at its line and column', () => {
    const text = '{\n  "a": 1,\n  "b": [1, 2,]\n}';
    // line 3 is `  "b": [1, 2,]`: the "]" is its 14th character
    expect(() => parseJsonText(text, 'f.json')).toThrow(
      new InputError(
        { file: 'f.json', line: 3, column: 14 },
        'a JSON value (object, array, string, number, true, false or null)',
        ']',
      ),
    );
  });

  it('says what the grammar expected where V8 gives no position', () => {
    // V8: `Unexpected token '}', "{"a":\n tru}" is not valid JSON` (no position)
    expect(findJsonSyntaxError('{"a":\n tru}')).toEqual({
      offset: 7,
      expected: 'a JSON value (object, array, string, number, true, false or null)',
    });
    expect(findJsonSyntaxError('{"a" 1}')).toEqual({ offset: 5, expected: '":" after the property name' });
    expect(findJsonSyntaxError('{"a": 1,}')).toEqual({ offset: 8, expected: 'a double-quoted property name' });
    expect(findJsonSyntaxError('[1, 2')).toEqual({ offset: 5, expected: '"," or "]" after an array element' });
    expect(findJsonSyntaxError('[1,2]x')).toEqual({ offset: 5, expected: 'the end of the JSON text' });
    expect(findJsonSyntaxError('"a\u0001"')).toEqual({
      offset: 2,
      expected: 'no raw control characters in a string (write them as escapes)',
    });
    expect(findJsonSyntaxError('{"a": [1, {"b": null}], "c": "\\u00e9"}')).toBeUndefined();
  });

  it('reports the end of the text for a cut-off document', () => {
    expect(() => parseJsonText('{"a":', 'cut.json')).toThrow(
      'cut.json:1:6: expected a JSON value (object, array, string, number, true, false or null), found ' +
        '"the end of the text"',
    );
  });

  it('counts columns in characters, not UTF-16 units', () => {
    // "😀" is two UTF-16 units but one character: x is the 7th character
    expect(lineColumnAt('{"😀": x}', '{"😀": '.length)).toEqual({ line: 1, column: 7 });
    expect(lineColumnAt('a\nbc\nd', 4)).toEqual({ line: 2, column: 3 });
  });
});

describe('JSON paths', () => {
  it('finds the offset of a nested value and of a key', () => {
    const text = '{"data": {"result": [ {"v": 1}, {"v": [0, "x"]} ]}, "v": 2}';
    expect(jsonPathOffset(text, ['data', 'result', 1, 'v', 1])).toBe(text.indexOf('"x"'));
    expect(jsonPathOffset(text, ['v'], 'key')).toBe(text.lastIndexOf('"v"'));
    expect(jsonPathOffset(text, ['data', 'result', 5])).toBeUndefined();
  });

  it('spells paths the JSONPath way', () => {
    expect(formatJsonPath(['data', 'result', 2, 'values', 5])).toBe('$.data.result[2].values[5]');
    expect(formatJsonPath(['a b', 0])).toBe('$["a b"][0]');
  });
});
