// Reads a pickled numpy array (pickle protocols 2–5, as `pickle.dump(array, file)` writes them) without
// running any pickled code: only the handful of globals numpy uses to rebuild an array are understood,
// anything else is refused. Then writes the array as text rows, the layout of the OmniAnomaly folders.
import { InputError } from '@driftwatch/contracts';

/** A numpy array: element type (`f4`, `f8`, `i8`, …), shape and the raw element bytes. */
export interface NumpyArray {
  /** numpy type code without byte order: 'f4', 'f8', 'i1' … 'i8', 'u1' … 'u8', 'b1' */
  dtype: string;
  /** '<' little-endian, '>' big-endian, '|' not applicable (one-byte types) */
  byteOrder: '<' | '>' | '|';
  shape: number[];
  /** true for column-major (Fortran) order */
  fortran: boolean;
  data: Uint8Array;
}

/** Globals a numpy array pickle may name; module paths before and after numpy 2 (`numpy.core` → `numpy._core`). */
const ALLOWED_GLOBALS = new Set([
  'numpy.core.multiarray._reconstruct',
  'numpy._core.multiarray._reconstruct',
  'numpy.ndarray',
  'numpy.dtype',
  'numpy.core.numeric._frombuffer',
  'numpy._core.numeric._frombuffer',
  '_codecs.encode',
]);

type Value = null | boolean | number | string | Uint8Array | Value[] | Global | PartialArray | Dtype;
interface Global {
  kind: 'global';
  name: string;
}
interface Dtype {
  kind: 'dtype';
  code: string;
  byteOrder: '<' | '>' | '|';
}
interface PartialArray {
  kind: 'array';
  array?: NumpyArray;
}
const MARK = Symbol('mark');

/**
 * Decodes a pickled numpy array. `file` names the source in errors. Pickle opcodes and their layout:
 * CPython Lib/pickletools.py; the array state tuple: numpy `ndarray.__reduce__` / `__setstate__`.
 */
export function readNumpyPickle(bytes: Uint8Array, file?: string): NumpyArray {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: (Value | typeof MARK)[] = [];
  const memo = new Map<number, Value>();
  let p = 0;
  const fail = (expected: string, found?: string): never => {
    throw new InputError({ file }, `a pickled numpy array (${expected} at byte ${p})`, found);
  };
  const need = (n: number) => {
    if (p + n > buf.length) fail('more bytes', 'end of file');
  };
  const take = (n: number): Buffer => {
    need(n);
    const out = buf.subarray(p, p + n);
    p += n;
    return out;
  };
  const u8 = () => take(1)[0];
  const u16 = () => take(2).readUInt16LE(0);
  const u32 = () => take(4).readUInt32LE(0);
  const u64 = () => Number(take(8).readBigUInt64LE(0));
  const line = () => {
    const end = buf.indexOf(0x0a, p);
    if (end < 0) fail('a newline');
    const s = buf.toString('latin1', p, end);
    p = end + 1;
    return s;
  };
  const pop = (): Value => {
    const v = stack.pop();
    if (v === undefined || v === MARK) return fail('a value on the stack');
    return v;
  };
  const popMark = (): Value[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) fail('a MARK');
    const items = stack.splice(at) as Value[];
    return items.slice(1);
  };
  const top = (): Value => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) return fail('a value on the stack');
    return v;
  };
  const global = (name: string): Global => {
    if (!ALLOWED_GLOBALS.has(name)) fail('only numpy array globals', name);
    return { kind: 'global', name };
  };
  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail('pickle protocol ≤ 5');
        break;
      case 0x95: // FRAME: only a length hint
        take(8);
        break;
      case 0x63: // GLOBAL "module\nname\n"
        stack.push(global(`${line()}.${line()}`));
        break;
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('module and name strings');
        stack.push(global(`${module}.${name}`));
        break;
      }
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x74: // TUPLE
        stack.push(popMark());
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x4a: // BININT (signed)
        stack.push(take(4).readInt32LE(0));
        break;
      case 0x8a: {
        // LONG1: little-endian two's complement of n bytes
        const n = u8();
        stack.push(
          n === 0 ? 0 : Number(BigInt.asIntN(8 * n, BigInt(`0x${Buffer.from(take(n)).reverse().toString('hex')}`))),
        );
        break;
      }
      case 0x8c: // SHORT_BINUNICODE
        stack.push(take(u8()).toString('utf8'));
        break;
      case 0x58: // BINUNICODE
        stack.push(take(u32()).toString('utf8'));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(take(u64()).toString('utf8'));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()));
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32()));
        break;
      case 0x55: // SHORT_BINSTRING (Python 2: text and bytes alike)
        stack.push(take(u8()));
        break;
      case 0x54: // BINSTRING
        stack.push(take(u32()));
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(take(u64()));
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const key = op === 0x68 ? u8() : u32();
        if (!memo.has(key)) fail(`memo entry ${key}`);
        stack.push(memo.get(key)!);
        break;
      }
      case 0x52: {
        // REDUCE: callable(*args)
        const args = pop();
        const callable = pop();
        if (!isGlobal(callable) || !Array.isArray(args)) return fail('a call of a numpy global');
        stack.push(call(callable.name, args, fail));
        break;
      }
      case 0x62: {
        // BUILD: obj.__setstate__(state)
        const state = pop();
        build(top(), state, fail);
        break;
      }
      case 0x2e: {
        // STOP
        const result = pop();
        if (!isPartialArray(result) || !result.array) return fail('a numpy array as the pickled object');
        checkArray(result.array, fail);
        return result.array;
      }
      default:
        return fail('a pickle opcode used for numpy arrays', `0x${op.toString(16)}`);
    }
  }
}

function isGlobal(v: Value): v is Global {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && v.kind === 'global';
}

function isPartialArray(v: Value): v is PartialArray {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && v.kind === 'array';
}

function isDtype(v: Value): v is Dtype {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && v.kind === 'dtype';
}

type Fail = (expected: string, found?: string) => never;

/** The effect of REDUCE for the allowed globals (numpy `_reconstruct`, `dtype`, `_frombuffer`; `_codecs.encode`). */
function call(name: string, args: Value[], fail: Fail): Value {
  if (name.endsWith('._reconstruct')) return { kind: 'array' };
  if (name === 'numpy.dtype') {
    // dtype('f4', align, copy): the byte order comes later with BUILD; one-byte types have none
    const code = textOf(args[0]);
    if (typeof code !== 'string' || !/^[fiub]\d$/.test(code)) return fail('a numeric dtype', String(code));
    return { kind: 'dtype', code, byteOrder: code.endsWith('1') ? '|' : '<' };
  }
  if (name === '_codecs.encode') {
    // protocol 2 stores bytes as a latin-1 string: _codecs.encode(text, 'latin1')
    if (typeof args[0] !== 'string' || textOf(args[1]) !== 'latin1') return fail("_codecs.encode(text, 'latin1')");
    return Buffer.from(args[0], 'latin1');
  }
  if (name.endsWith('._frombuffer')) {
    // protocol 5: _frombuffer(buffer, dtype, shape, order)
    const [data, dtype, shape, order] = args;
    if (!(data instanceof Uint8Array) || !isDtype(dtype) || !isShape(shape))
      return fail('_frombuffer(bytes, dtype, shape, order)');
    return {
      kind: 'array',
      array: { dtype: dtype.code, byteOrder: dtype.byteOrder, shape, fortran: order === 'F', data },
    };
  }
  return fail('a numpy global', name);
}

/** The effect of BUILD: the dtype's byte order, or the array's (version, shape, dtype, is_fortran, data). */
function build(target: Value, state: Value, fail: Fail): void {
  if (isDtype(target)) {
    const order = Array.isArray(state) ? textOf(state[1]) : undefined;
    if (typeof order !== 'string' || !['<', '>', '|', '='].includes(order)) return fail('a dtype state');
    // '=' is native order; every machine that wrote these files is little-endian, as is every machine this runs on
    target.byteOrder = order === '=' ? '<' : (order as Dtype['byteOrder']);
    return;
  }
  if (isPartialArray(target)) {
    if (!Array.isArray(state) || state.length !== 5)
      return fail('an array state (version, shape, dtype, is_fortran, data)');
    const [, shape, dtype, fortran, data] = state;
    if (!isShape(shape) || !isDtype(dtype) || typeof fortran !== 'boolean' || !(data instanceof Uint8Array)) {
      return fail('an array state (version, shape, dtype, is_fortran, data)');
    }
    target.array = { dtype: dtype.code, byteOrder: dtype.byteOrder, shape, fortran, data };
    return;
  }
  fail('BUILD on a numpy array or dtype');
}

/** Python 2 pickles hold text as byte strings: read those as latin-1. */
function textOf(v: Value): Value {
  return v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v;
}

function isShape(v: Value): v is number[] {
  return Array.isArray(v) && v.every((n) => typeof n === 'number' && Number.isInteger(n) && n >= 0);
}

/** The data holds exactly shape × item size bytes. */
function checkArray(a: NumpyArray, fail: Fail): void {
  const count = a.shape.reduce((n, d) => n * d, 1);
  const expected = count * Number(a.dtype.slice(1));
  if (a.data.byteLength !== expected)
    fail(`${expected} data bytes for shape (${a.shape.join(', ')}) of ${a.dtype}`, String(a.data.byteLength));
}

/** The element values as JavaScript numbers, in row-major order. */
export function numpyValues(a: NumpyArray): number[] {
  const size = Number(a.dtype.slice(1));
  const count = a.data.byteLength / size;
  const view = new DataView(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  const little = a.byteOrder !== '>';
  const read: (offset: number) => number =
    {
      f4: (o: number) => view.getFloat32(o, little),
      f8: (o: number) => view.getFloat64(o, little),
      i1: (o: number) => view.getInt8(o),
      i2: (o: number) => view.getInt16(o, little),
      i4: (o: number) => view.getInt32(o, little),
      i8: (o: number) => Number(view.getBigInt64(o, little)),
      u1: (o: number) => view.getUint8(o),
      b1: (o: number) => view.getUint8(o),
      u2: (o: number) => view.getUint16(o, little),
      u4: (o: number) => view.getUint32(o, little),
      u8: (o: number) => Number(view.getBigUint64(o, little)),
    }[a.dtype] ??
    ((): number => {
      throw new InputError({}, 'a numeric numpy dtype', a.dtype);
    });
  const flat = Array.from({ length: count }, (_, i) => read(i * size));
  if (!a.fortran || a.shape.length < 2) return flat;
  // column-major 2-D → row-major
  const [rows, cols] = a.shape;
  return Array.from({ length: rows * cols }, (_, i) => flat[(i % cols) * rows + Math.floor(i / cols)]);
}

/**
 * The text form of the OmniAnomaly folders (data README, "Conversion"): one line per row (a 1-D array: one
 * value per line), values comma-separated, every line ending in '\n'. Floats are written as numpy's
 * `format_float_positional(x, unique=True, trim='-')` writes them.
 */
export function numpyArrayToText(a: NumpyArray): string {
  if (a.shape.length > 2) throw new InputError({}, 'a 1-D or 2-D array', `shape (${a.shape.join(', ')})`);
  const format = a.dtype === 'f4' ? formatFloat32 : a.dtype === 'f8' ? formatFloat64 : (x: number) => String(x);
  const values = numpyValues(a);
  const cols = a.shape.length === 2 ? a.shape[1] : 1;
  const lines: string[] = [];
  for (let i = 0; i < values.length; i += cols)
    lines.push(
      values
        .slice(i, i + cols)
        .map(format)
        .join(','),
    );
  return lines.map((l) => `${l}\n`).join('');
}

/**
 * Shortest decimal that reads back to the same float32, positional, trailing zeros trimmed (numpy Dragon4 "unique").
 */
export function formatFloat32(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  for (let digits = 1; digits < 9; digits++) {
    const s = x.toPrecision(digits);
    if (Math.fround(Number(s)) === x) return positionalDecimal(s);
  }
  return positionalDecimal(x.toPrecision(9));
}

/** Shortest decimal that reads back to the same float64 (JavaScript's Number → string rule), positional. */
export function formatFloat64(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  return positionalDecimal(String(x));
}

/** '1.5e-7' → '0.00000015', '2.50' → '2.5', '3.' → '3': a decimal without exponent or trailing zeros. */
export function positionalDecimal(s: string): string {
  const m = /^(-?)(\d+)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(s);
  if (!m) throw new InputError({}, 'a decimal number', s);
  const [, sign, int, frac = '', exp = '0'] = m;
  let digits = int + frac;
  let point = int.length + Number(exp);
  if (point <= 0) {
    digits = '0'.repeat(1 - point) + digits;
    point = 1;
  }
  if (point > digits.length) digits += '0'.repeat(point - digits.length);
  const whole = digits.slice(0, point).replace(/^0+(?=\d)/, '');
  const fraction = digits.slice(point).replace(/0+$/, '');
  return `${sign}${whole}${fraction ? `.${fraction}` : ''}`;
}
