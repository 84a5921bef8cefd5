/**
 * Entry paths inside a backup tarball (`<name>.tar.gz`), format 1.1.0 as Velero writes it:
 * `resources/<groupResource>[/<version>-preferredversion | /<version>]/{cluster|namespaces/<ns>}/<name>.json`
 * and `metadata/version`. The backup writer builds paths here and the restore reader parses them here, so the
 * two can never disagree.
 */
import { LifeboatError } from '../core/errors.ts';

export const BACKUP_FORMAT_VERSION = '1.1.0';
export const FORMAT_VERSION_ENTRY = 'metadata/version';
export const RESOURCES_DIR = 'resources';
const PREFERRED_SUFFIX = '-preferredversion';

export interface ItemPathParts {
  /** `deployments.apps`, or `pods` for the core group. */
  groupResource: string;
  /** Undefined for the legacy path without a version directory. */
  version?: string;
  /** True for the `<version>-preferredversion` copy. */
  preferred?: boolean;
  /** Undefined for cluster-scoped items. */
  namespace?: string;
  name: string;
}

/** The path of one item. `version` + `preferred` choose the versioned copy; without `version`, the legacy path. */
export function itemPath(parts: ItemPathParts): string {
  const versionDir = parts.version ? `/${parts.version}${parts.preferred ? PREFERRED_SUFFIX : ''}` : '';
  const scope = parts.namespace ? `namespaces/${parts.namespace}` : 'cluster';
  return `${RESOURCES_DIR}/${parts.groupResource}${versionDir}/${scope}/${parts.name}.json`;
}

/**
 * Parses an entry path. Undefined for entries outside `resources/` (metadata, unknown files); throws
 * `Corrupt` for a path that is not a safe relative path (absolute, `..`, empty segments, backslashes, NUL),
 * because a tarball is untrusted input.
 */
export function parseItemPath(path: string): ItemPathParts | undefined {
  assertSafeEntryPath(path);
  const segments = path.split('/');
  if (segments[0] !== RESOURCES_DIR || !path.endsWith('.json')) return undefined;
  const groupResource = segments[1];
  let i = 2;
  let version: string | undefined;
  let preferred: boolean | undefined;
  if (segments[i] !== 'cluster' && segments[i] !== 'namespaces') {
    const dir = segments[i] ?? '';
    preferred = dir.endsWith(PREFERRED_SUFFIX);
    version = preferred ? dir.slice(0, -PREFERRED_SUFFIX.length) : dir;
    i++;
  }
  let namespace: string | undefined;
  if (segments[i] === 'namespaces') {
    namespace = segments[i + 1];
    i += 2;
  } else if (segments[i] === 'cluster') {
    i += 1;
  } else {
    return undefined;
  }
  if (i !== segments.length - 1 || !groupResource || (namespace !== undefined && !namespace))
    return undefined;
  const name = segments[i].slice(0, -'.json'.length);
  if (!name) return undefined;
  return { groupResource, version, preferred, namespace, name };
}

export function assertSafeEntryPath(path: string): void {
  const bad =
    path.length === 0 ||
    path.startsWith('/') ||
    path.includes('\\') ||
    path.includes('\0') ||
    path.split('/').some((s) => s === '..' || s === '.' || s === '');
  if (bad)
    throw new LifeboatError(
      'Corrupt',
      `backup tarball entry ${JSON.stringify(path)} is not a safe relative path`,
    );
}
