import { createHash, randomBytes } from 'node:crypto';
import { isLifeboatError, LifeboatError } from '../../core/errors.ts';
import { CryptoKey, type CryptoKeyJSON } from '../crypto/crypto-key.ts';
import { DEFAULT_KDF_PARAMS, deriveUserKey, type KdfParams, SALT_LENGTH } from '../crypto/kdf.ts';
import { formatGoTime, nowNs } from './time.ts';

/**
 * A key file (`keys/<id>`): plain JSON, not encrypted as a whole. `data` is the master key's JSON sealed with
 * the user key that scrypt derives from the password and `salt`. Its id is the SHA-256 of the file's bytes.
 */
export interface KeyFileJSON {
  created: string;
  username: string;
  hostname: string;
  kdf: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  data: string;
}

export interface NewKeyFileOptions {
  username?: string;
  hostname?: string;
  kdf?: KdfParams;
  /** Creation time in nanoseconds since the epoch; defaults to now. */
  createdNs?: bigint;
}

export interface EncodedKeyFile {
  id: string;
  bytes: Buffer;
  json: KeyFileJSON;
}

/** Seals `master` under `password` into a new key file. */
export async function createKeyFile(
  password: string,
  master: CryptoKey,
  options: NewKeyFileOptions = {},
): Promise<EncodedKeyFile> {
  const params = options.kdf ?? DEFAULT_KDF_PARAMS;
  const salt = randomBytes(SALT_LENGTH);
  const user = await deriveUserKey(password, salt, params);
  const data = user.seal(Buffer.from(JSON.stringify(master.toJSON())));
  const json: KeyFileJSON = {
    created: formatGoTime(options.createdNs ?? nowNs()),
    username: options.username ?? '',
    hostname: options.hostname ?? '',
    kdf: 'scrypt',
    N: params.N,
    r: params.r,
    p: params.p,
    salt: salt.toString('base64'),
    data: data.toString('base64'),
  };
  const bytes = Buffer.from(JSON.stringify(json));
  return { id: sha256Hex(bytes), bytes, json };
}

export function parseKeyFile(bytes: Uint8Array): KeyFileJSON {
  let json: KeyFileJSON;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new LifeboatError('Corrupt', 'key file is not JSON', { cause: err });
  }
  if (json?.kdf !== 'scrypt') throw new LifeboatError('Invalid', `unsupported key derivation ${json?.kdf}`);
  if (typeof json.salt !== 'string' || typeof json.data !== 'string') {
    throw new LifeboatError('Corrupt', 'key file lacks salt or data');
  }
  return json;
}

/** The master key in `file` if `password` opens it, `undefined` if the password is wrong. */
export async function openKeyFile(file: KeyFileJSON, password: string): Promise<CryptoKey | undefined> {
  const user = await deriveUserKey(password, Buffer.from(file.salt, 'base64'), {
    N: file.N,
    r: file.r,
    p: file.p,
  });
  let plain: Buffer;
  try {
    plain = user.open(Buffer.from(file.data, 'base64'));
  } catch (err) {
    if (isLifeboatError(err, 'Corrupt')) return undefined;
    throw err;
  }
  return CryptoKey.fromJSON(JSON.parse(plain.toString('utf8')) as CryptoKeyJSON);
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
