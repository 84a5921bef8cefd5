import { randomBytes } from 'node:crypto';
import { LifeboatError } from '../../core/errors.ts';
import type { CryptoKey } from '../crypto/crypto-key.ts';
import { isIrreducible, randomPolynomialHex } from './polynomial.ts';

/** The repository config (`config`): sealed JSON, never compressed. */
export interface RepoConfig {
  version: 1 | 2;
  id: string;
  chunker_polynomial: string;
}

export function newConfig(): RepoConfig {
  return { version: 2, id: randomBytes(32).toString('hex'), chunker_polynomial: randomPolynomialHex() };
}

export function encodeConfig(config: RepoConfig, key: CryptoKey): Buffer {
  return key.seal(Buffer.from(JSON.stringify(config)));
}

/** Opens and validates the config; a wrong master key throws `Corrupt`. */
export function decodeConfig(sealed: Uint8Array, key: CryptoKey): RepoConfig {
  const config = JSON.parse(key.open(sealed).toString('utf8')) as RepoConfig;
  if (config.version !== 1 && config.version !== 2) {
    throw new LifeboatError('Invalid', `unsupported repository version ${config.version}`);
  }
  if (
    typeof config.chunker_polynomial !== 'string' ||
    !isIrreducible(BigInt(`0x${config.chunker_polynomial}`))
  ) {
    throw new LifeboatError('Corrupt', 'invalid chunker polynomial in config');
  }
  return config;
}
