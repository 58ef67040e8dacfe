import { DriftwatchError } from '@driftwatch/contracts';

/** A command line that cannot be run as written (unknown flag, missing value). Exit code 2. */
export class UsageError extends DriftwatchError {}
