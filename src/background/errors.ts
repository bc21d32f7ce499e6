/**
 * The background's one error type. Stores never paper over a problem: a record that does not
 * parse is 'corrupt', storage from another version is 'version', and neither ever leads to a
 * silently made fresh key (issue 3). The router turns it into `{ ok: false, error }`.
 */
import type { StoreErrorCode } from '../messaging/types';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function storeFail(code: StoreErrorCode, message: string): never {
  throw new StoreError(code, message);
}

export function isStoreError(e: unknown): e is StoreError {
  return e instanceof StoreError;
}
