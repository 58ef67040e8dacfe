import { InputError } from '@driftwatch/contracts';

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
  return `$${path.map((p) => (typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`)).join('')}`;
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
 * character. V8's messages carry a position only for some errors, so the position comes from our own
 * scan of the RFC 8259 grammar.
 */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const problem = findJsonSyntaxError(text) ?? { offset: 0, expected: `JSON (${(error as Error).message})` };
    throw new InputError({ file, ...lineColumnAt(text, problem.offset) }, problem.expected, foundAt(text, problem.offset));
  }
}

/** An InputError about the value at `path` of a JSON text, located by line and column where it can be found. */
export function jsonValueError(text: string, file: string, path: JsonPath, expected: string, found?: string, at: 'value' | 'key' = 'value'): InputError {
  const offset = jsonPathOffset(text, path, at);
  const location = offset === undefined ? { file } : { file, ...lineColumnAt(text, offset) };
  return new InputError(location, `${expected} at ${formatJsonPath(path)}`, found);
}

function foundAt(text: string, offset: number): string {
  if (offset >= text.length) return 'the end of the text';
  const c = text.codePointAt(offset)!;
  return c < 0x20 ? `control character U+${c.toString(16).padStart(4, '0').toUpperCase()}` : String.fromCodePoint(c);
}

/** Thrown inside the scanner to unwind to the caller with the problem. */
class Stop {
  constructor(readonly problem: JsonSyntaxProblem) {}
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

/** A cursor over JSON text that checks the grammar as it skips (RFC 8259). */
class JsonScanner {
  p = 0;
  constructor(readonly text: string) {}

  fail(expected: string): never {
    throw new Stop({ offset: this.p, expected });
  }

  space(): void {
    const t = this.text;
    while (this.p < t.length) {
      const c = t.charCodeAt(this.p);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      this.p++;
    }
  }

  /** Skips a string and returns its raw text including the quotes. */
  string(expected = 'a double-quoted string'): string {
    const t = this.text;
    const start = this.p;
    if (t[this.p] !== '"') this.fail(expected);
    this.p++;
    for (;;) {
      if (this.p >= t.length) this.fail('a closing double quote');
      const c = t.charCodeAt(this.p);
      if (c === 0x22) break;
      if (c < 0x20) this.fail('no raw control characters in a string (write them as escapes)');
      if (c === 0x5c) {
        ESCAPE.lastIndex = this.p;
        if (!ESCAPE.test(t)) this.fail('an escape: \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX');
        this.p = ESCAPE.lastIndex;
      } else this.p++;
    }
    this.p++;
    return t.slice(start, this.p);
  }

  /** Skips one value (with its nested values). */
  value(): void {
    this.space();
    const t = this.text;
    const c = t[this.p];
    if (c === '{') return this.members(() => this.value());
    if (c === '[') return this.elements(() => this.value());
    if (c === '"') {
      this.string();
      return;
    }
    for (const word of ['true', 'false', 'null']) {
      if (t.startsWith(word, this.p)) {
        this.p += word.length;
        return;
      }
    }
    NUMBER.lastIndex = this.p;
    if (c === undefined || !NUMBER.test(t)) this.fail('a JSON value (object, array, string, number, true, false or null)');
    this.p = NUMBER.lastIndex;
  }

  /** Walks an object at the cursor; `member` is called with each key (decoded) at the start of its value. */
  members(member: (key: string, keyOffset: number) => void): void {
    this.p++; // '{'
    this.space();
    if (this.text[this.p] === '}') {
      this.p++;
      return;
    }
    for (;;) {
      this.space();
      const keyOffset = this.p;
      const key = JSON.parse(this.string('a double-quoted property name')) as string;
      this.space();
      if (this.text[this.p] !== ':') this.fail('":" after the property name');
      this.p++;
      this.space();
      member(key, keyOffset);
      this.space();
      if (this.text[this.p] === ',') this.p++;
      else if (this.text[this.p] === '}') {
        this.p++;
        return;
      } else this.fail('"," or "}" after a property value');
    }
  }

  /** Walks an array at the cursor; `element` is called at the start of each element. */
  elements(element: (index: number) => void): void {
    this.p++; // '['
    this.space();
    if (this.text[this.p] === ']') {
      this.p++;
      return;
    }
    for (let index = 0; ; index++) {
      this.space();
      element(index);
      this.space();
      if (this.text[this.p] === ',') this.p++;
      else if (this.text[this.p] === ']') {
        this.p++;
        return;
      } else this.fail('"," or "]" after an array element');
    }
  }
}

/** The first syntax error of a JSON text (RFC 8259), or undefined when the text is valid JSON. */
export function findJsonSyntaxError(text: string): JsonSyntaxProblem | undefined {
  const scanner = new JsonScanner(text);
  try {
    scanner.value();
    scanner.space();
    if (scanner.p < text.length) scanner.fail('the end of the JSON text');
    return undefined;
  } catch (error) {
    if (error instanceof Stop) return error.problem;
    throw error;
  }
}

/**
 * Offset of the value (or of the key, for the last step into an object) at `path` in valid JSON text;
 * undefined when there is no such value. Used only to place error messages, so a linear scan is fine.
 */
export function jsonPathOffset(text: string, path: JsonPath, at: 'value' | 'key' = 'value'): number | undefined {
  const scanner = new JsonScanner(text);
  let found: number | undefined;
  const visit = (depth: number): void => {
    scanner.space();
    if (depth === path.length) {
      found = scanner.p;
      throw new Stop({ offset: scanner.p, expected: '' });
    }
    const step = path[depth];
    const c = text[scanner.p];
    if (c === '{' && typeof step === 'string') {
      scanner.members((key, keyOffset) => {
        if (key !== step) return scanner.value();
        if (depth + 1 === path.length && at === 'key') {
          found = keyOffset;
          throw new Stop({ offset: keyOffset, expected: '' });
        }
        visit(depth + 1);
      });
    } else if (c === '[' && typeof step === 'number') {
      scanner.elements((index) => (index === step ? visit(depth + 1) : scanner.value()));
    } else scanner.value();
  };
  try {
    visit(0);
  } catch (error) {
    if (!(error instanceof Stop) && !(error instanceof SyntaxError)) throw error;
  }
  return found;
}
