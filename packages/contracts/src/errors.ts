/** Base class of every error a user can cause; the CLI prints `message` on one line and exits non-zero. */
export class DriftwatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export interface InputLocation {
  file?: string;
  /** 1-based */
  line?: number;
  /** 1-based */
  column?: number;
}

/** Longest excerpt of offending content an error message quotes: a 100 MB field must not reach the terminal. */
export const EXCERPT_CHARS = 80;

/** `text` cut to `limit` characters with "…" and the full length when longer (whole surrogate pairs kept). */
export function excerpt(text: string, limit = EXCERPT_CHARS): string {
  // an error re-raised with the found text of another is already cut: keep its length note
  if (text.length <= limit || /^[^]{0,80}… \([\d,]+ characters\)$/.test(text)) return text;
  const end = /[\uD800-\uDBFF]/.test(text[limit - 1]) ? limit - 1 : limit;
  return `${text.slice(0, end)}… (${text.length.toLocaleString('en-US')} characters)`;
}

/** Bad content in an input file: names the file, line, column and what was expected (found: an excerpt). */
export class InputError extends DriftwatchError {
  readonly location: InputLocation;
  readonly expected: string;
  readonly found: string | undefined;
  constructor(location: InputLocation, expected: string, found?: string) {
    const where = [location.file ?? '<input>', location.line, location.column].filter((p) => p !== undefined).join(':');
    super(`${where}: expected ${expected}${found === undefined ? '' : `, found ${JSON.stringify(excerpt(found))}`}`);
    this.location = location;
    this.expected = expected;
    this.found = found === undefined ? undefined : excerpt(found);
  }
}

/** A value passed to a function or flag is out of its allowed range or of the wrong kind. */
export class ParameterError extends DriftwatchError {}

/** Data handed to a trained detector does not match what it was trained on. */
export class FeatureMismatchError extends DriftwatchError {
  constructor(expected: number, actual: number, what = 'features per record') {
    super(`expected ${expected} ${what}, got ${actual}`);
  }
}

/** A detector was asked to score or save before it was fitted or loaded from a model directory. */
export class NotFittedError extends DriftwatchError {
  readonly detector: string;
  constructor(detector: string) {
    super(`${detector}: the detector is not fitted (not trained or loaded yet); call fit or load a saved model first`);
    this.detector = detector;
  }
}

/** The data root or a data set in it cannot be found. */
export class DataRootError extends DriftwatchError {}

/** A file on disk does not match the size or hash recorded for it. */
export class IntegrityError extends DriftwatchError {}
