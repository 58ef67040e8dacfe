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

/** Bad content in an input file: names the file, line, column and what was expected. */
export class InputError extends DriftwatchError {
  readonly location: InputLocation;
  readonly expected: string;
  readonly found: string | undefined;
  constructor(location: InputLocation, expected: string, found?: string) {
    const where = [location.file ?? '<input>', location.line, location.column].filter((p) => p !== undefined).join(':');
    super(`${where}: expected ${expected}${found === undefined ? '' : `, found ${JSON.stringify(found)}`}`);
    this.location = location;
    this.expected = expected;
    this.found = found;
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
