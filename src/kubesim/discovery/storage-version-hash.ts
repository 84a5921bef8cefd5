import { createHash } from 'node:crypto';

/**
 * `storageVersionHash` of discovery entries: the first 8 bytes of SHA-256 over `<group>/<version>/<kind>`
 * of the storage version, base64. Clients use it to notice that a resource's storage version changed.
 */
export function storageVersionHash(group: string, version: string, kind: string): string {
  return createHash('sha256')
    .update(`${group}/${version}/${kind}`)
    .digest()
    .subarray(0, 8)
    .toString('base64');
}
