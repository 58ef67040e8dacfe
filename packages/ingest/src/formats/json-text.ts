import { InputError } from '@driftwatch/contracts';
import { entryOf, parseJsonWithPositions, type JsonNode } from '../json/positions';

/** Where a JSON text stops being JSON, and what the grammar allowed there. */
export interface JsonSyntaxProblem {
  /** UTF-16 offset into the text */
  offset: number;
  expected: string;
}

/** Keys and array indices from the root to one value, e.g. ['data', 'result', 2, 'values', 5]. */
export type JsonPath = readonly (string | number)[];

/** `$.data.result[2].values[5]` — the JSONPath spelling users see in error messages. */
export function formatJsonPath(path: JsonPath): string {
  return (
    '$' +
    path
      .map((p) =>
        typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`,
      )
      .join('')
  );
}

/** 1-based line and column of a UTF-16 offset; the column counts code points, as the CSV readers do. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: [...text.slice(lineStart, offset)].length + 1 };
}

/**
 * Parses JSON; on a syntax error throws an InputError with the line and column of the first bad
 * character. V8's messages carry a position only for some errors, so the position comes from the
 * positioned parser's scan of the RFC 8259 grammar (json/positions.ts).
 */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const problem = findJsonSyntaxError(text) ?? { offset: 0, expected: `JSON (${(error as Error).message})` };
    throw new InputError(
      { file, ...lineColumnAt(text, problem.offset) },
      problem.expected,
      foundAt(text, problem.offset),
    );
  }
}

/** An InputError about the value at `path` of a JSON text, located by line and column where it can be found. */
export function jsonValueError(
  text: string,
  file: string,
  path: JsonPath,
  expected: string,
  found?: string,
  at: 'value' | 'key' = 'value',
): InputError {
  const offset = jsonPathOffset(text, path, at);
  const location = offset === undefined ? { file } : { file, ...lineColumnAt(text, offset) };
  return new InputError(location, `${expected} at ${formatJsonPath(path)}`, found);
}

function foundAt(text: string, offset: number): string {
  if (offset >= text.length) return 'the end of the text';
  const c = text.codePointAt(offset)!;
  return c < 0x20 ? `control character U+${c.toString(16).padStart(4, '0').toUpperCase()}` : String.fromCodePoint(c);
}

/**
 * Where the positioned parser (json/positions.ts) stops on a syntax error, and what it expected; undefined for valid
 * JSON.
 */
export function findJsonSyntaxError(text: string): JsonSyntaxProblem | undefined {
  try {
    parseJsonWithPositions(text, '');
    return undefined;
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return { offset: offsetOf(text, error.location.line ?? 1, error.location.column ?? 1), expected: error.expected };
  }
}

/** The UTF-16 offset of a 1-based line and code-point column. */
function offsetOf(text: string, line: number, column: number): number {
  let start = 0;
  for (let l = 1; l < line; l++) start = text.indexOf('\n', start) + 1;
  let offset = start;
  for (let c = 1; c < column; c++) offset += text.codePointAt(offset)! > 0xffff ? 2 : 1;
  return offset;
}

/** The UTF-16 offset where the value (or its key) at `path` starts, or undefined when the text has no such value. */
export function jsonPathOffset(text: string, path: JsonPath, at: 'value' | 'key' = 'value'): number | undefined {
  let node: JsonNode;
  try {
    node = parseJsonWithPositions(text, '');
  } catch {
    return undefined;
  }
  let keyOffset: number | undefined;
  for (const step of path) {
    if (typeof step === 'number') {
      if (node.kind !== 'array' || step < 0 || step >= node.items.length) return undefined;
      node = node.items[step];
      keyOffset = undefined;
    } else {
      if (node.kind !== 'object') return undefined;
      const entry = entryOf(node, step);
      if (!entry) return undefined;
      keyOffset = entry.keyAt.offset;
      node = entry.value;
    }
  }
  return at === 'key' && keyOffset !== undefined ? keyOffset : node.at.offset;
}
