/**
 * Byte-level number parsing shared by the CSV readers: a decimal of ≤ 15 significant digits with a
 * decimal exponent in [−22, 22] is mantissa · 10^e computed with one correctly rounded IEEE operation
 * (exact integer times or over an exact power of ten), which is the double Number() gives for its text.
 */

const PLUS = 43;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const LOWER_E = 101;
const UPPER_E = 69;

/** Powers of ten that are exact doubles (10^22 is the largest). */
const EXACT_POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
/** Up to 15 decimal digits the mantissa stays below 2^53, so it is an exact integer. */
const MAX_EXACT_DIGITS = 15;

/** Where the last `scanDecimalField` stopped (the delimiter or the end of the record). */
export let scanStop = 0;

/**
 * Parses a plain decimal starting at `start` and ending at the next `delimiter` or at `end`, in one pass;
 * returns NaN (with `scanStop` unset) when the field holds anything else, so the caller can fall back to
 * the text path. NaN, not undefined: a function that always returns a double needs no boxed number.
 */
export function scanDecimalField(bytes: Uint8Array, start: number, end: number, delimiter: number): number {
  let p = start;
  let c = p < end ? bytes[p] : -1;
  let negative = false;
  if (c === MINUS || c === PLUS) {
    negative = c === MINUS;
    c = ++p < end ? bytes[p] : -1;
  }
  let mantissa = 0;
  let digits = 0;
  let fractionDigits = 0;
  while (c >= ZERO && c <= NINE) {
    mantissa = mantissa * 10 + (c - ZERO);
    digits++;
    c = ++p < end ? bytes[p] : -1;
  }
  if (c === DOT) {
    c = ++p < end ? bytes[p] : -1;
    while (c >= ZERO && c <= NINE) {
      mantissa = mantissa * 10 + (c - ZERO);
      digits++;
      fractionDigits++;
      c = ++p < end ? bytes[p] : -1;
    }
  }
  if (digits === 0 || digits > MAX_EXACT_DIGITS) return NaN;
  let exponent = 0;
  if (c === LOWER_E || c === UPPER_E) {
    c = ++p < end ? bytes[p] : -1;
    let exponentNegative = false;
    if (c === MINUS || c === PLUS) {
      exponentNegative = c === MINUS;
      c = ++p < end ? bytes[p] : -1;
    }
    let exponentDigits = 0;
    while (c >= ZERO && c <= NINE) {
      if (exponent < 100000) exponent = exponent * 10 + (c - ZERO);
      exponentDigits++;
      c = ++p < end ? bytes[p] : -1;
    }
    if (exponentDigits === 0) return NaN;
    if (exponentNegative) exponent = -exponent;
  }
  if (p !== end && c !== delimiter) return NaN;
  const scale = exponent - fractionDigits;
  if (scale < -22 || scale > 22) return NaN;
  scanStop = p;
  const value = scale === 0 ? mantissa : scale > 0 ? mantissa * EXACT_POW10[scale] : mantissa / EXACT_POW10[-scale];
  return negative ? -value : value;
}

/**
 * The number written in bytes[start, end), or undefined when the bytes are not a plain decimal of the
 * fast kind (other forms — 'NaN', long mantissas, hex, white space — go through the text path).
 */
export function parseDecimalBytes(bytes: Uint8Array, start: number, end: number): number | undefined {
  // −1 is no byte, so the field must run to `end`
  const value = scanDecimalField(bytes, start, end, -1);
  return Number.isNaN(value) ? undefined : value;
}

/** The integer written in bytes[start, end) if it has ≤ 15 digits and nothing else, else undefined. */
export function parseSmallIntegerBytes(bytes: Uint8Array, start: number, end: number): number | undefined {
  let p = start;
  let negative = false;
  if (p < end && (bytes[p] === MINUS || bytes[p] === PLUS)) {
    negative = bytes[p] === MINUS;
    p++;
  }
  if (p === end || end - p > MAX_EXACT_DIGITS) return undefined;
  let value = 0;
  for (; p < end; p++) {
    const c = bytes[p];
    if (c < ZERO || c > NINE) return undefined;
    value = value * 10 + (c - ZERO);
  }
  return negative ? -value : value;
}
