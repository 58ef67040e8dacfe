import { InputError } from '@driftwatch/contracts';

/** The InputError a promise rejects with; anything else (another error, or success) fails the test. */
export async function inputErrorOf(promise: Promise<unknown>): Promise<InputError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}
