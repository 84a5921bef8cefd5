import { createHash } from 'node:crypto';

/** The Secret in the server's namespace holding the password of every volume repository. */
export const REPOSITORY_PASSWORD_SECRET = 'lifeboat-repo-credentials';
/** The key of that Secret holding the password. */
export const REPOSITORY_PASSWORD_KEY = 'repository-password';
/** Lifeboat writes restic-format repositories only. */
export const REPOSITORY_TYPE = 'restic';
/** Maintenance every week unless the BackupRepository says otherwise (Velero's default). */
export const DEFAULT_MAINTENANCE_FREQUENCY = '168h';

/**
 * The BackupRepository name for a namespace's repository in a location: Velero's
 * `<volumeNamespace>-<location>-restic-` followed by five characters, here a hash of the pair rather than
 * random ones, so two servers (or a retry after a lost create response) arrive at the same object. Long pairs
 * are shortened before the hash so the name stays a valid object name.
 */
export function repositoryName(volumeNamespace: string, location: string): string {
  const hash = createHash('sha256').update(`${volumeNamespace}\n${location}`).digest('hex').slice(0, 5);
  const head = `${volumeNamespace}-${location}`.slice(0, 230).replace(/[^a-z0-9.-]/g, '-');
  return `${head}-${REPOSITORY_TYPE}-${hash}`;
}

/** A label value as Velero shortens it: over 63 characters, the first 57 and 6 hex of its SHA-256. */
export function labelValue(value: string): string {
  return value.length <= 63
    ? value
    : `${value.slice(0, 57)}${createHash('sha256').update(value).digest('hex').slice(0, 6)}`;
}
