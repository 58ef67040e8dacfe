import { InputError } from '@driftwatch/contracts';

/**
 * A JSON parser (RFC 8259) that keeps where every value starts, so that checks made after parsing (a
 * missing field, a wrong type) can name the line and column of the offending entry. Syntax errors are
 * InputErrors with the line and column of the first bad character.
 */

export interface JsonPosition {
  /** 0-based UTF-16 offset of the value's first character */
  offset: number;
  /** 1-based */
  line: number;
  /** 1-based, in characters */
  column: number;
}

export type JsonNode =
  | { kind: 'object'; at: JsonPosition; entries: JsonEntry[] }
  | { kind: 'array'; at: JsonPosition; items: JsonNode[] }
  | { kind: 'string'; at: JsonPosition; value: string }
  | { kind: 'number'; at: JsonPosition; value: number }
  | { kind: 'boolean'; at: JsonPosition; value: boolean }
  | { kind: 'null'; at: JsonPosition };

export interface JsonEntry {
  key: string;
  keyAt: JsonPosition;
  value: JsonNode;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Parses JSON text; `file` is named in errors. */
export function parseJsonWithPositions(text: string, file: string): JsonNode {
  return new Parser(text, file).document();
}

/** The entry named `key` of an object node, if present (the last one wins, as in JSON.parse). */
export function entryOf(node: JsonNode & { kind: 'object' }, key: string): JsonEntry | undefined {
  for (let i = node.entries.length - 1; i >= 0; i--) if (node.entries[i].key === key) return node.entries[i];
  return undefined;
}

/** The plain JavaScript value of a node (what JSON.parse gives for its text). */
export function plainValue(node: JsonNode): unknown {
  switch (node.kind) {
    case 'object':
      return Object.fromEntries(node.entries.map((e) => [e.key, plainValue(e.value)]));
    case 'array':
      return node.items.map(plainValue);
    case 'null':
      return null;
    default:
      return node.value;
  }
}

/** A short description of a node for "found …" in messages. */
export function describeJson(node: JsonNode): string {
  switch (node.kind) {
    case 'object':
      return 'an object';
    case 'array':
      return 'an array';
    case 'string':
      return `the string ${JSON.stringify(node.value.length > 60 ? node.value.slice(0, 57) + '...' : node.value)}`;
    case 'number':
      return `the number ${node.value}`;
    case 'boolean':
      return String(node.value);
    case 'null':
      return 'null';
  }
}

class Parser {
  private p = 0;
  /** offsets of line starts seen so far, for line/column of any offset */
  private readonly lineStarts: number[] = [0];

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  document(): JsonNode {
    if (this.text.charCodeAt(0) === 0xfeff) this.p = 1;
    this.space();
    const node = this.value();
    this.space();
    if (this.p < this.text.length) this.fail('the end of the JSON text');
    return node;
  }

  /** the last position computed: parsing moves forward, so the next column counts on from here */
  private last = { offset: 0, line: 0, column: 1 };

  /** Line and column (in code points, 1-based) of an offset; amortised O(1) for forward-moving offsets. */
  position(offset: number): JsonPosition {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    const resume = this.last.line === lo && this.last.offset <= offset;
    let column = resume ? this.last.column : 1;
    const text = this.text;
    for (let i = resume ? this.last.offset : this.lineStarts[lo]; i < offset; i++) {
      const c = text.charCodeAt(i);
      // the low half of a surrogate pair belongs to the code point before it
      const pairedLow =
        c >= 0xdc00 &&
        c <= 0xdfff &&
        i > this.lineStarts[lo] &&
        text.charCodeAt(i - 1) >= 0xd800 &&
        text.charCodeAt(i - 1) <= 0xdbff;
      if (!pairedLow) column++;
    }
    this.last = { offset, line: lo, column };
    return { offset, line: lo + 1, column };
  }

  private fail(expected: string, at = this.p): never {
    const where = this.position(at);
    const found = at >= this.text.length ? 'the end of the file' : this.text.slice(at, at + 20).split('\n')[0];
    throw new InputError({ file: this.file, line: where.line, column: where.column }, expected, found);
  }

  private space(): void {
    while (this.p < this.text.length) {
      const c = this.text.charCodeAt(this.p);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.p++;
      else break;
    }
  }

  private value(): JsonNode {
    const at = this.position(this.p);
    const c = this.text[this.p];
    if (c === '{') return this.object(at);
    if (c === '[') return this.array(at);
    if (c === '"') return { kind: 'string', at, value: this.string() };
    if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = this.p;
      const m = NUMBER.exec(this.text);
      if (!m) this.fail('a JSON number');
      this.p += m[0].length;
      return { kind: 'number', at, value: Number(m[0]) };
    }
    for (const [word, node] of [
      ['true', { kind: 'boolean', at, value: true }],
      ['false', { kind: 'boolean', at, value: false }],
      ['null', { kind: 'null', at }],
    ] as const) {
      if (this.text.startsWith(word, this.p)) {
        this.p += word.length;
        return node;
      }
    }
    return this.fail('a JSON value (object, array, string, number, true, false or null)');
  }

  private object(at: JsonPosition): JsonNode {
    this.p++;
    const entries: JsonEntry[] = [];
    this.space();
    if (this.text[this.p] === '}') {
      this.p++;
      return { kind: 'object', at, entries };
    }
    for (;;) {
      this.space();
      if (this.text[this.p] !== '"') this.fail('a double-quoted property name');
      const keyAt = this.position(this.p);
      const key = this.string();
      this.space();
      if (this.text[this.p] !== ':') this.fail('":" after the property name');
      this.p++;
      this.space();
      entries.push({ key, keyAt, value: this.value() });
      this.space();
      if (this.text[this.p] === ',') {
        this.p++;
        continue;
      }
      if (this.text[this.p] === '}') {
        this.p++;
        return { kind: 'object', at, entries };
      }
      this.fail('"," or "}" after a property value');
    }
  }

  private array(at: JsonPosition): JsonNode {
    this.p++;
    const items: JsonNode[] = [];
    this.space();
    if (this.text[this.p] === ']') {
      this.p++;
      return { kind: 'array', at, items };
    }
    for (;;) {
      this.space();
      items.push(this.value());
      this.space();
      if (this.text[this.p] === ',') {
        this.p++;
        continue;
      }
      if (this.text[this.p] === ']') {
        this.p++;
        return { kind: 'array', at, items };
      }
      this.fail('"," or "]" after an array element');
    }
  }

  private string(): string {
    const start = this.p;
    this.p++;
    let out = '';
    for (;;) {
      if (this.p >= this.text.length) this.fail('a closing double quote', start);
      const c = this.text[this.p];
      const code = c.charCodeAt(0);
      if (c === '"') {
        this.p++;
        return out;
      }
      if (code < 0x20) this.fail('no raw control characters in a string (write them as escapes)');
      if (c !== '\\') {
        out += c;
        this.p++;
        continue;
      }
      const e = this.text[this.p + 1];
      if (e === 'u') {
        const hex = this.text.slice(this.p + 2, this.p + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('four hexadecimal digits after \\u', this.p + 2);
        out += String.fromCharCode(parseInt(hex, 16));
        this.p += 6;
      } else if (e !== undefined && e in ESCAPES) {
        out += ESCAPES[e];
        this.p += 2;
      } else this.fail('an escape \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX', this.p);
    }
  }
}
