import { LifeboatError } from '../../core/errors.ts';
import type { KdfParams } from '../crypto/kdf.ts';
import { createKeyFile, type KeyFileJSON, openKeyFile, parseKeyFile } from '../format/key-file.ts';
import { fileKey } from '../repo/layout.ts';
import type { Repository } from '../repo/repository.ts';

export interface KeyInfo {
  id: string;
  /** The key this session opened the repository with. */
  current: boolean;
  username: string;
  hostname: string;
  created: string;
}

/** Every key file, with who made it and when (key files are readable without a password). */
export async function listKeys(repo: Repository): Promise<KeyInfo[]> {
  const out: KeyInfo[] = [];
  for (const id of await repo.listIds('keys')) {
    let json: KeyFileJSON;
    try {
      json = parseKeyFile(await repo.store.getBuffer(fileKey('keys', id)));
    } catch {
      out.push({ id, current: id === repo.keyId, username: '', hostname: '', created: '' });
      continue;
    }
    out.push({
      id,
      current: id === repo.keyId,
      username: json.username ?? '',
      hostname: json.hostname ?? '',
      created: json.created ?? '',
    });
  }
  return out;
}

export interface AddKeyOptions {
  kdf?: KdfParams;
  hostname?: string;
  username?: string;
}

/**
 * Adds a key file that opens the same master key with `password`; returns its id. The data is not touched: a
 * key file only wraps the master key. Verifies the new file opens before returning.
 */
export async function addKey(
  repo: Repository,
  password: string,
  options: AddKeyOptions = {},
): Promise<string> {
  if (!password) throw new LifeboatError('Invalid', 'the new password is empty');
  const kf = await createKeyFile(password, repo.key, {
    kdf: options.kdf,
    hostname: options.hostname ?? repo.hostname,
    username: options.username ?? repo.username,
  });
  await repo.store.put(fileKey('keys', kf.id), kf.bytes, {
    ifNoneMatch: true,
    contentLength: kf.bytes.length,
  });
  const reread = parseKeyFile(await repo.store.getBuffer(fileKey('keys', kf.id)));
  const master = await openKeyFile(reread, password);
  if (!master || JSON.stringify(master.toJSON()) !== JSON.stringify(repo.key.toJSON())) {
    throw new LifeboatError(
      'Internal',
      `new key ${kf.id.slice(0, 8)} does not open the repository; it was kept for inspection`,
    );
  }
  return kf.id;
}

/** The full id of the key whose id starts with `prefix`. Throws `NotFound` or `Invalid` (ambiguous). */
export async function resolveKeyId(repo: Repository, prefix: string): Promise<string> {
  const ids = (await repo.listIds('keys')).filter((id) => id.startsWith(prefix));
  if (ids.length === 0) throw new LifeboatError('NotFound', `no key matches ${prefix}`);
  if (ids.length > 1)
    throw new LifeboatError('Invalid', `key id ${prefix} is ambiguous (${ids.length} keys match)`);
  return ids[0];
}

/**
 * Removes a key file. Refuses the key this session uses (restic's rule: you cannot saw off the branch you sit
 * on; use `changePassword`) and, whatever happens, the last key — without a key the data is unreadable forever.
 */
export async function removeKey(repo: Repository, prefix: string): Promise<string> {
  const id = await resolveKeyId(repo, prefix);
  if (id === repo.keyId) {
    throw new LifeboatError(
      'Invalid',
      `refusing to remove key ${id.slice(0, 8)}: it is the key in use (open the repository with another key, or change the password)`,
    );
  }
  const ids = await repo.listIds('keys');
  if (ids.length <= 1)
    throw new LifeboatError('Invalid', `refusing to remove key ${id.slice(0, 8)}: it is the last key`);
  await repo.deleteFile('keys', id);
  return id;
}

/**
 * Changes the password of the key in use without rewriting any data: writes a new key file for `newPassword`,
 * checks it opens the master key, then removes the old key file. A crash in between leaves both keys valid.
 * Returns both ids. The repository object keeps working (the master key is unchanged), though its `keyId`
 * still names the removed key.
 */
export async function changePassword(
  repo: Repository,
  newPassword: string,
  options: AddKeyOptions = {},
): Promise<{ oldKeyId: string; newKeyId: string }> {
  const oldKeyId = repo.keyId;
  const newKeyId = await addKey(repo, newPassword, options);
  await repo.deleteFile('keys', oldKeyId);
  return { oldKeyId, newKeyId };
}
