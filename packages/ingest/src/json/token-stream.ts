/**
 * A JSON text read as a stream of values with their paths, in bounded memory: the text is never held whole, so a
 * `.json.gz` that inflates to gigabytes costs the values a reader keeps, not the text.
 *
 * Lexing (strings, escapes, numbers, UTF-8 split across chunks) is @streamparser/json's Tokenizer: it is typed,
 * has no dependencies, ships CommonJS and ESM, and gives every token its byte offset, which is what line and column
 * need. stream-json was the other candidate; its 3.x is ESM only and its errors carry no position. The grammar
 * (which token may follow which) is checked here, with the messages of the whole-text parser (json/positions.ts),
 * so a broken file names the same line, column and expectation either way.
 */
import { Tokenizer, TokenType } from '@streamparser/json';
import type { ParsedTokenInfo } from '@streamparser/json';
import { InputError } from '@driftwatch/contracts';

/** Keys and array indices from the root to one value, e.g. ['data', 'result', 2, 'values', 5]. */
export type JsonStreamPath = (string | number)[];

export type JsonKind = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';
export type JsonPrimitive = string | number | boolean | null;

/** 1-based line and column (in code points) of a byte offset. */
export interface JsonTextPosition {
  line: number;
  column: number;
}

export interface JsonStreamHandler {
  /**
   * A value starts at `path` (the live path: copy it to keep it); `value` is the primitive, undefined for objects and
   * arrays, whose members follow and whose end is `onEnd`.
   */
  onValue(path: readonly (string | number)[], kind: JsonKind, value: JsonPrimitive | undefined, offset: number): void;
  onEnd(path: readonly (string | number)[], kind: 'object' | 'array', offset: number): void;
}

export interface JsonStreamLimits {
  /** the longest string or number token, in bytes (default 1 MiB): a longer one is an error, not a memory cost */
  maxTokenBytes?: number;
  /** the deepest nesting of objects and arrays (default 64) */
  maxDepth?: number;
}

const DEFAULT_MAX_TOKEN_BYTES = 1024 * 1024;
const DEFAULT_MAX_DEPTH = 64;
const VALUE = 'a JSON value (object, array, string, number, true, false or null)';

/** What the grammar allows next. */
type Expect = 'value' | 'valueOrClose' | 'key' | 'keyOrClose' | 'colon' | 'afterValue' | 'done';

const EXPECTED: Record<Expect, (inObject: boolean) => string> = {
  value: () => VALUE,
  valueOrClose: () => VALUE,
  key: () => 'a double-quoted property name',
  keyOrClose: () => 'a double-quoted property name',
  colon: () => '":" after the property name',
  afterValue: (inObject) => (inObject ? '"," or "}" after a property value' : '"," or "]" after an array element'),
  done: () => 'the end of the JSON text',
};

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/** digits, sign, point and exponent: the bytes a JSON number is made of */
function isNumberByte(b: number | undefined): boolean {
  return (
    b !== undefined && ((b >= 0x30 && b <= 0x39) || b === 0x2d || b === 0x2b || b === 0x2e || b === 0x45 || b === 0x65)
  );
}

/**
 * Line and column of byte offsets in a stream whose bytes are dropped once they are `keep` bytes behind its end.
 * A cursor moves forward through the kept bytes; an offset behind the cursor is counted again from the oldest kept
 * point, and one older than that has no position any more.
 */
class StreamPositions {
  private readonly chunks: { start: number; bytes: Uint8Array }[] = [];
  /** the oldest offset whose position can still be counted, with that position */
  private base = { offset: 0, line: 1, column: 1 };
  private cursor = { offset: 0, line: 1, column: 1 };
  end = 0;

  constructor(private readonly keep: number) {}

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.chunks.push({ start: this.end, bytes });
    this.end += bytes.length;
  }

  /** Forgets bytes more than `keep` behind the end (counting lines and columns through them first). */
  trim(): void {
    const oldest = this.end - this.keep;
    if (oldest <= this.base.offset) return;
    if (this.cursor.offset < oldest) this.cursor = this.advance(this.cursor, oldest);
    this.base = { ...this.cursor };
    while (this.chunks.length > 0 && this.chunks[0].start + this.chunks[0].bytes.length <= this.base.offset)
      this.chunks.shift();
  }

  position(offset: number): JsonTextPosition | undefined {
    if (offset < this.base.offset || offset > this.end) return undefined;
    const from = offset >= this.cursor.offset ? this.cursor : this.base;
    const at = this.advance(from, offset);
    if (from === this.cursor) this.cursor = at;
    return { line: at.line, column: at.column };
  }

  /** The byte at `offset`, or undefined when it is not kept (or not received yet). */
  byteAt(offset: number): number | undefined {
    for (const { start, bytes } of this.chunks)
      if (offset >= start && offset < start + bytes.length) return bytes[offset - start];
    return undefined;
  }

  /** The first byte at or after `from` that breaks UTF-8 (a stray continuation, a cut or overlong sequence). */
  firstInvalidUtf8(from: number): number | undefined {
    let need = 0;
    let at = Math.max(from, this.base.offset);
    for (let b = this.byteAt(at); b !== undefined; b = this.byteAt(++at)) {
      if (need > 0) {
        if ((b & 0xc0) !== 0x80) return at;
        need--;
      } else if (b >= 0xc2 && b <= 0xdf) need = 1;
      else if (b >= 0xe0 && b <= 0xef) need = 2;
      else if (b >= 0xf0 && b <= 0xf4) need = 3;
      else if (b >= 0x80) return at;
    }
    return undefined;
  }

  /** Up to `length` characters from `offset`; undefined past the bytes received. */
  text(offset: number, length: number): string | undefined {
    if (offset >= this.end) return undefined;
    const parts: Uint8Array[] = [];
    let need = length * 4;
    for (const { start, bytes } of this.chunks) {
      if (start + bytes.length <= offset || need <= 0) continue;
      const piece = bytes.subarray(Math.max(0, offset - start), Math.max(0, offset - start) + need);
      parts.push(piece);
      need -= piece.length;
    }
    const text = Buffer.concat(parts).toString('utf8');
    return [...text].slice(0, length).join('');
  }

  /** newline: next line; a byte that starts a UTF-8 sequence: next column */
  private advance(from: { offset: number; line: number; column: number }, to: number) {
    let { line, column } = from;
    for (const { start, bytes } of this.chunks) {
      const stop = Math.min(bytes.length, to - start);
      for (let i = Math.max(0, from.offset - start); i < stop; i++) {
        const b = bytes[i];
        if (b === 0x0a) {
          line++;
          column = 1;
        } else if ((b & 0xc0) !== 0x80) column++;
      }
    }
    return { offset: to, line, column };
  }
}

/**
 * Feeds chunks of a JSON text through the tokenizer and the grammar, calling `handler` for every value. Errors are
 * InputErrors with the file, line and column of the first bad character.
 */
export class JsonTokenStream {
  private readonly tokenizer = new Tokenizer({ emitPartialTokens: true });
  private readonly positions: StreamPositions;
  private readonly maxTokenBytes: number;
  private readonly maxDepth: number;
  /** the kinds of the open containers, innermost last */
  private readonly open: ('object' | 'array')[] = [];
  private readonly path: JsonStreamPath = [];
  private expect: Expect = 'value';
  /** bytes of a leading byte order mark, which the tokenizer does not count in its offsets */
  private bomBytes = 0;
  private started = false;
  /** where the token being read started, while it spans chunks */
  private partialAt: number | undefined;
  /** where the last whole token started */
  private lastTokenAt = 0;

  constructor(
    private readonly file: string,
    private readonly handler: JsonStreamHandler,
    limits: JsonStreamLimits = {},
  ) {
    this.maxTokenBytes = limits.maxTokenBytes ?? DEFAULT_MAX_TOKEN_BYTES;
    this.maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
    // a token is at most maxTokenBytes long, so its start is never further back than that when it ends
    this.positions = new StreamPositions(this.maxTokenBytes + 256 * 1024);
    this.tokenizer.onToken = (token) => this.token(token);
  }

  /** Line and column of a byte offset, while the bytes around it are still kept (they are for any open token). */
  position(offset: number): JsonTextPosition | undefined {
    return this.positions.position(offset);
  }

  /** An InputError at a byte offset: file, line, column when still known, and the text found there. */
  errorAt(offset: number, expected: string, found?: string): InputError {
    const where = this.positions.position(offset);
    return new InputError(where ? { file: this.file, ...where } : { file: this.file }, expected, found);
  }

  write(chunk: Uint8Array): void {
    let bytes = chunk;
    if (!this.started) {
      this.started = true;
      if (UTF8_BOM.every((b, i) => bytes[i] === b)) this.bomBytes = 3;
    }
    this.positions.push(bytes);
    if (this.positions.end - bytes.length < this.bomBytes) bytes = bytes.subarray(this.bomBytes);
    try {
      this.tokenizer.write(bytes);
    } catch (error) {
      throw this.lexicalError(error);
    }
    this.positions.trim();
  }

  end(): void {
    try {
      this.tokenizer.end();
    } catch (error) {
      throw this.lexicalError(error);
    }
    if (this.expect !== 'done') this.syntax(this.expected(), this.positions.end);
  }

  private syntax(expected: string, offset: number): never {
    throw this.errorAt(offset, expected, this.foundAt(offset));
  }

  /** The character at a byte offset as json-text.ts names it: itself, a control character's code, or the end. */
  private foundAt(offset: number): string {
    const c = this.positions.text(offset, 1)?.codePointAt(0);
    if (c === undefined) return 'the end of the text';
    return c < 0x20 ? `control character U+${c.toString(16).padStart(4, '0').toUpperCase()}` : String.fromCodePoint(c);
  }

  private expected(): string {
    return EXPECTED[this.expect](this.open[this.open.length - 1] === 'object');
  }

  /** The tokenizer's error, at its byte, with the expectation the whole-text parser states there. */
  private lexicalError(error: unknown): unknown {
    // TextDecoder's TypeError may come from another realm (a test sandbox): matched by its code, not its class
    if (error instanceof InputError || typeof (error as Error)?.message !== 'string') return error;
    if ((error as NodeJS.ErrnoException).code === 'ERR_ENCODING_INVALID_ENCODED_DATA') {
      const bad = this.positions.firstInvalidUtf8(this.partialAt ?? this.lastTokenAt) ?? this.lastTokenAt;
      const byte = this.positions.byteAt(bad);
      return this.errorAt(bad, 'text in UTF-8', byte === undefined ? undefined : `byte 0x${byte.toString(16)}`);
    }
    const message = (error as Error).message;
    const absolute = /absolute position "(\d+)"/.exec(message);
    const state = /state:? ([A-Z_0-9]+)/.exec(message)?.[1] ?? '';
    if (!absolute) {
      // the text ended inside a token: an open string is named at its quote
      if (state.startsWith('STRING') && this.partialAt !== undefined)
        return this.errorAt(this.partialAt, 'a closing double quote', this.foundAt(this.partialAt));
      const expected = state.startsWith('NUMBER') ? 'a JSON number' : this.expected();
      return this.errorAt(this.positions.end, expected, 'the end of the text');
    }
    const offset = Number(absolute[1]) + this.bomBytes;
    if (state === 'STRING_AFTER_BACKSLASH')
      return this.syntax('an escape \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX', offset);
    if (state.startsWith('STRING_UNICODE')) return this.syntax('four hexadecimal digits after \\u', offset);
    if (state.startsWith('STRING'))
      return this.syntax('no raw control characters in a string (write them as escapes)', offset);
    // a broken literal or number is named where it starts, as the whole-text parser does
    const literal = /^(TRUE|FALSE|NULL)(\d)$/.exec(state);
    let start = offset;
    if (literal) start = offset - Number(literal[2]);
    else if (state.startsWith('NUMBER')) while (isNumberByte(this.positions.byteAt(start - 1))) start--;
    const valueExpected = this.expect === 'value' || this.expect === 'valueOrClose';
    if (start !== offset && valueExpected) return this.syntax(literal ? VALUE : 'a JSON number', start);
    return this.syntax(this.expected(), start);
  }

  private token({ token, value, offset: tokenOffset, partial }: ParsedTokenInfo): void {
    const offset = tokenOffset + this.bomBytes;
    if (partial) {
      this.partialAt = offset;
      if (this.positions.end - offset > this.maxTokenBytes)
        this.syntax(`a string or number of at most ${this.maxTokenBytes} bytes`, offset);
      return;
    }
    this.partialAt = undefined;
    this.lastTokenAt = offset;
    switch (this.expect) {
      case 'valueOrClose':
        if (token === TokenType.RIGHT_BRACKET) return this.close(offset);
        return this.value(token, value, offset);
      case 'value':
        return this.value(token, value, offset);
      case 'keyOrClose':
      case 'key':
        if (this.expect === 'keyOrClose' && token === TokenType.RIGHT_BRACE) return this.close(offset);
        if (token !== TokenType.STRING) this.syntax(this.expected(), offset);
        this.path[this.path.length - 1] = value as string;
        this.expect = 'colon';
        return;
      case 'colon':
        if (token !== TokenType.COLON) this.syntax(this.expected(), offset);
        this.expect = 'value';
        return;
      case 'afterValue': {
        const inObject = this.open[this.open.length - 1] === 'object';
        if (token === TokenType.COMMA) {
          if (inObject) this.expect = 'key';
          else {
            (this.path[this.path.length - 1] as number)++;
            this.expect = 'value';
          }
          return;
        }
        if (token === (inObject ? TokenType.RIGHT_BRACE : TokenType.RIGHT_BRACKET)) return this.close(offset);
        return this.syntax(this.expected(), offset);
      }
      case 'done':
        return this.syntax(this.expected(), offset);
    }
  }

  private value(token: TokenType, value: unknown, offset: number): void {
    if (token === TokenType.LEFT_BRACE || token === TokenType.LEFT_BRACKET) {
      const kind = token === TokenType.LEFT_BRACE ? 'object' : 'array';
      if (this.open.length >= this.maxDepth)
        this.syntax(`objects and arrays nested at most ${this.maxDepth} deep`, offset);
      this.handler.onValue(this.path, kind, undefined, offset);
      this.open.push(kind);
      this.path.push(kind === 'object' ? '' : 0);
      this.expect = kind === 'object' ? 'keyOrClose' : 'valueOrClose';
      return;
    }
    const kind = PRIMITIVE_KINDS.get(token);
    if (kind === undefined) return this.syntax(this.expected(), offset);
    this.handler.onValue(this.path, kind, value as JsonPrimitive, offset);
    this.expect = this.open.length === 0 ? 'done' : 'afterValue';
  }

  private close(offset: number): void {
    const kind = this.open.pop()!;
    this.path.pop();
    this.handler.onEnd(this.path, kind, offset);
    this.expect = this.open.length === 0 ? 'done' : 'afterValue';
  }
}

const PRIMITIVE_KINDS = new Map<TokenType, JsonKind>([
  [TokenType.STRING, 'string'],
  [TokenType.NUMBER, 'number'],
  [TokenType.TRUE, 'boolean'],
  [TokenType.FALSE, 'boolean'],
  [TokenType.NULL, 'null'],
]);
