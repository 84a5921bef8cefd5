/**
 * Object keys inside a repository, exactly restic's layout (relative to the repository's store prefix). This is
 * the only place in repository/ that spells a key.
 */
export type FileKind = 'keys' | 'index' | 'snapshots' | 'locks' | 'data';

export const CONFIG_KEY = 'config';

export function fileKey(kind: FileKind, id: string): string {
  return kind === 'data' ? `data/${id.slice(0, 2)}/${id}` : `${kind}/${id}`;
}

export function kindPrefix(kind: FileKind): string {
  return `${kind}/`;
}

const ID = /^[0-9a-f]{64}$/;

/** The id a listed key names, or undefined for anything else (temporary files, stray objects). */
export function idFromKey(key: string): string | undefined {
  const name = key.slice(key.lastIndexOf('/') + 1);
  return ID.test(name) ? name : undefined;
}
