import { LifeboatError } from '../core/errors.ts';
import type { ObjectInfo } from './object-store.ts';

/** `exists` for backends whose only existence check is a stat: NotFound means false, other errors propagate. */
export async function existsByStat(
  stat: (key: string) => Promise<ObjectInfo>,
  key: string,
): Promise<boolean> {
  try {
    await stat(key);
    return true;
  } catch (err) {
    if (err instanceof LifeboatError && err.code === 'NotFound') return false;
    throw err;
  }
}
