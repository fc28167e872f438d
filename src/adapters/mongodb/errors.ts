import { MongoServerError } from 'mongodb';
import { BankError } from 'bankcore';

/** MongoDB's duplicate-key error code (a unique index refused a write). */
export const DUPLICATE_KEY = 11000;

export const isDuplicateKey = (error: unknown): boolean =>
  error instanceof MongoServerError && (error.code === DUPLICATE_KEY || error.code === 11001);

/**
 * Turns a driver failure into `STORAGE_UNAVAILABLE`, keeping the driver error as `cause` (for logs) and out of
 * the message (for clients). BankErrors pass through.
 */
export function storageFailure(error: unknown): BankError {
  if (error instanceof BankError) return error;
  return new BankError('STORAGE_UNAVAILABLE', 'Storage is unavailable; try again later', { cause: error });
}

/** Runs a storage call, converting any driver failure with {@link storageFailure}. */
export async function guarded<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw storageFailure(error);
  }
}
