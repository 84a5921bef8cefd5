import { scrypt } from 'node:crypto';
import { LifeboatError } from '../../core/errors.ts';
import { CryptoKey } from './crypto-key.ts';

/** scrypt cost parameters, as stored in a key file (`N`, `r`, `p`). */
export interface KdfParams {
  N: number;
  r: number;
  p: number;
}

/**
 * Parameters for new keys: N = 2^15, r = 8, p = 1 (32 MiB, ~0.15 s with Node's scrypt on the 2-core reference
 * machine). restic instead calibrates to ~0.5 s within 60 MiB at init, which depends on the load at that moment:
 * on the loaded reference machine it chose N = 2^14, p = 1. A fixed choice is at least as hard as that, and
 * every open (each backup run of the node agent) pays it, so it is not raised further.
 */
export const DEFAULT_KDF_PARAMS: Readonly<KdfParams> = Object.freeze({ N: 32768, r: 8, p: 1 });

const SALT_LENGTH = 64;

export function validateKdfParams(p: KdfParams): void {
  const ok =
    Number.isInteger(p.N) &&
    p.N > 1 &&
    (p.N & (p.N - 1)) === 0 &&
    Number.isInteger(p.r) &&
    p.r > 0 &&
    Number.isInteger(p.p) &&
    p.p > 0 &&
    p.N * p.r <= 2 ** 26;
  if (!ok) throw new LifeboatError('Invalid', `invalid scrypt parameters N=${p.N} r=${p.r} p=${p.p}`);
}

/** The user key scrypt derives from a password: 64 bytes split as restic splits them (see CryptoKey.fromDerived). */
export function deriveUserKey(password: string, salt: Uint8Array, params: KdfParams): Promise<CryptoKey> {
  validateKdfParams(params);
  if (salt.length !== SALT_LENGTH) {
    return Promise.reject(
      new LifeboatError('Invalid', `scrypt salt must be ${SALT_LENGTH} bytes, got ${salt.length}`),
    );
  }
  const maxmem = 128 * params.N * params.r * 2 + 128 * params.r * params.p + (1 << 20);
  return new Promise((resolve, reject) => {
    scrypt(password, salt, 64, { N: params.N, r: params.r, p: params.p, maxmem }, (err, derived) => {
      if (err) reject(new LifeboatError('Internal', `scrypt failed: ${err.message}`, { cause: err }));
      else resolve(CryptoKey.fromDerived(derived));
    });
  });
}

export { SALT_LENGTH };
