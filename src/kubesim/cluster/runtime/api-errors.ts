import { ApiError } from '../../apiserver/types.ts';

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.code === 404;
}

export function isAlreadyExists(err: unknown): boolean {
  return err instanceof ApiError && err.code === 409 && err.status.reason === 'AlreadyExists';
}

export function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.code === 409 && err.status.reason !== 'AlreadyExists';
}

/** Runs `fn`, turning a 404 into `undefined` (the object is already gone, which is what the caller wanted). */
export function ignoreNotFound<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
