import { LifeboatError } from '../core/errors.ts';
import type { ObjectStore } from './object-store.ts';

/**
 * The bucket layout, exactly Velero's (reference velero.md §1): the one module that spells object keys. Every
 * key is relative to the storage location's prefix (the ObjectStore applies the prefix). A bucket written by
 * Lifeboat reads with Velero's layout rules and the other way round.
 *
 *   backups/<B>/velero-backup.json            the Backup; its presence means "this backup exists"; written last
 *   backups/<B>/<B>.tar.gz                    the resources (tarball format 1.1.0)
 *   backups/<B>/<B>-logs.gz, -results.gz, -resource-list.json.gz, -podvolumebackups.json.gz,
 *               -volumesnapshots.json.gz, -itemoperations.json.gz, -volumeinfo.json.gz,
 *               -csi-volumesnapshots.json.gz, -csi-volumesnapshotcontents.json.gz,
 *               -csi-volumesnapshotclasses.json.gz (the CSI files are legacy: read, no longer written)
 *   restores/<R>/restore-<R>-logs.gz, -results.gz, -resource-list.json.gz, -itemoperations.json.gz
 *   restores/<R>/<R>-volumeinfo.json.gz       (no `restore-` prefix, as Velero writes it)
 *   restic/<namespace>/                       a volume repository per namespace (restic format)
 *   kopia/<namespace>/                        Velero's Kopia repositories (recognised, not written)
 *   metadata/revision                         legacy (Velero 0.10–1.1), recognised only
 */

/** The only top-level directories Velero allows under a location's prefix; anything else makes it Unavailable. */
export const TOP_LEVEL_DIRECTORIES = [
  'backups',
  'restores',
  'restic',
  'kopia',
  'metadata',
  'plugins',
] as const;
export type TopLevelDirectory = (typeof TOP_LEVEL_DIRECTORIES)[number];

export const BACKUPS_PREFIX = 'backups/';
export const RESTORES_PREFIX = 'restores/';

/** The legacy sync-revision object (Velero 0.10–1.1). Never written; listed so it is recognised. */
export const LEGACY_METADATA_REVISION_KEY = 'metadata/revision';

/** Every key of one backup. */
export interface BackupKeys {
  /** `backups/<B>/`: list or delete everything of the backup under it. */
  readonly dir: string;
  /** `velero-backup.json`, uncompressed JSON of the Backup. Written last: its presence means complete. */
  readonly metadata: string;
  /** `<B>.tar.gz`, the resources. */
  readonly contents: string;
  readonly log: string;
  readonly podVolumeBackups: string;
  readonly resourceList: string;
  readonly results: string;
  readonly volumeSnapshots: string;
  readonly itemOperations: string;
  readonly volumeInfo: string;
  /** Legacy CSI side files: read when present (Velero ≤ 1.16 wrote them), never written. */
  readonly csiVolumeSnapshots: string;
  readonly csiVolumeSnapshotContents: string;
  readonly csiVolumeSnapshotClasses: string;
}

/** Every key of one restore. */
export interface RestoreKeys {
  /** `restores/<R>/` */
  readonly dir: string;
  readonly log: string;
  readonly results: string;
  readonly resourceList: string;
  readonly itemOperations: string;
  readonly volumeInfo: string;
  /** Lifeboat: `restore-<R>-dryrun-plan.json.gz`, the per-object plan of a dry-run restore. */
  readonly dryRunPlan: string;
}

/** The keys of backup `name`. Throws `Invalid` for a name that cannot be a single path segment. */
export function backupKeys(name: string): BackupKeys {
  checkName(name, 'backup');
  const dir = `${BACKUPS_PREFIX}${name}/`;
  const side = (suffix: string): string => `${dir}${name}-${suffix}`;
  return {
    dir,
    metadata: `${dir}velero-backup.json`,
    contents: `${dir}${name}.tar.gz`,
    log: side('logs.gz'),
    podVolumeBackups: side('podvolumebackups.json.gz'),
    resourceList: side('resource-list.json.gz'),
    results: side('results.gz'),
    volumeSnapshots: side('volumesnapshots.json.gz'),
    itemOperations: side('itemoperations.json.gz'),
    volumeInfo: side('volumeinfo.json.gz'),
    csiVolumeSnapshots: side('csi-volumesnapshots.json.gz'),
    csiVolumeSnapshotContents: side('csi-volumesnapshotcontents.json.gz'),
    csiVolumeSnapshotClasses: side('csi-volumesnapshotclasses.json.gz'),
  };
}

/** The keys of restore `name`. Throws `Invalid` for a name that cannot be a single path segment. */
export function restoreKeys(name: string): RestoreKeys {
  checkName(name, 'restore');
  const dir = `${RESTORES_PREFIX}${name}/`;
  return {
    dir,
    log: `${dir}restore-${name}-logs.gz`,
    results: `${dir}restore-${name}-results.gz`,
    resourceList: `${dir}restore-${name}-resource-list.json.gz`,
    itemOperations: `${dir}restore-${name}-itemoperations.json.gz`,
    volumeInfo: `${dir}${name}-volumeinfo.json.gz`,
    dryRunPlan: `${dir}restore-${name}-dryrun-plan.json.gz`,
  };
}

/** `restic/<namespace>/`: where the volume repository of a namespace lives (use with a prefixed store). */
export function resticRepositoryPrefix(namespace: string): string {
  checkName(namespace, 'namespace');
  return `restic/${namespace}/`;
}

/** `kopia/<namespace>/`: Velero's Kopia repository of a namespace (recognised, not written by Lifeboat). */
export function kopiaRepositoryPrefix(namespace: string): string {
  checkName(namespace, 'namespace');
  return `kopia/${namespace}/`;
}

/** DownloadRequest target kinds (Velero's, §1.5) and the object each one names. */
export const DOWNLOAD_TARGET_KINDS = [
  'BackupLog',
  'BackupContents',
  'BackupVolumeSnapshots',
  'BackupItemOperations',
  'BackupResourceList',
  'BackupResults',
  'BackupVolumeInfos',
  'CSIBackupVolumeSnapshots',
  'CSIBackupVolumeSnapshotContents',
  'RestoreLog',
  'RestoreResults',
  'RestoreResourceList',
  'RestoreItemOperations',
  'RestoreVolumeInfo',
  'RestoreDryRunPlan',
] as const;
export type DownloadTargetKind = (typeof DOWNLOAD_TARGET_KINDS)[number];

/** The key a DownloadRequest for `kind` of backup or restore `name` downloads. */
export function downloadTargetKey(kind: DownloadTargetKind, name: string): string {
  switch (kind) {
    case 'BackupLog':
      return backupKeys(name).log;
    case 'BackupContents':
      return backupKeys(name).contents;
    case 'BackupVolumeSnapshots':
      return backupKeys(name).volumeSnapshots;
    case 'BackupItemOperations':
      return backupKeys(name).itemOperations;
    case 'BackupResourceList':
      return backupKeys(name).resourceList;
    case 'BackupResults':
      return backupKeys(name).results;
    case 'BackupVolumeInfos':
      return backupKeys(name).volumeInfo;
    case 'CSIBackupVolumeSnapshots':
      return backupKeys(name).csiVolumeSnapshots;
    case 'CSIBackupVolumeSnapshotContents':
      return backupKeys(name).csiVolumeSnapshotContents;
    case 'RestoreLog':
      return restoreKeys(name).log;
    case 'RestoreResults':
      return restoreKeys(name).results;
    case 'RestoreResourceList':
      return restoreKeys(name).resourceList;
    case 'RestoreItemOperations':
      return restoreKeys(name).itemOperations;
    case 'RestoreVolumeInfo':
      return restoreKeys(name).volumeInfo;
    case 'RestoreDryRunPlan':
      return restoreKeys(name).dryRunPlan;
    default:
      throw new LifeboatError('Invalid', `unknown download target kind ${JSON.stringify(kind)}`, {
        field: 'spec.target.kind',
      });
  }
}

/**
 * The names of the backups (or restores) found by `listCommonPrefixes('backups/')` (or `'restores/'`):
 * `backups/nightly/` → `nightly`. Entries not directly under `dirPrefix` are ignored.
 */
export function namesUnder(
  dirPrefix: typeof BACKUPS_PREFIX | typeof RESTORES_PREFIX,
  prefixes: Iterable<string>,
): string[] {
  const names: string[] = [];
  for (const prefix of prefixes) {
    if (!prefix.startsWith(dirPrefix) || !prefix.endsWith('/')) continue;
    const name = prefix.slice(dirPrefix.length, -1);
    if (name !== '' && !name.includes('/')) names.push(name);
  }
  return names;
}

/** Lists the backups of a location: the names of the `backups/<B>/` directories (complete or not). */
export async function listBackupNames(store: ObjectStore): Promise<string[]> {
  return namesUnder(BACKUPS_PREFIX, await store.listCommonPrefixes(BACKUPS_PREFIX));
}

/**
 * Of a location's top-level entries (its `listCommonPrefixes('')`, with or without the trailing `/`), the
 * ones Velero does not allow, in the order given, without the trailing `/`. Any foreign entry makes the
 * location Unavailable.
 */
export function classifyTopLevel(entries: Iterable<string>): string[] {
  const allowed = new Set<string>(TOP_LEVEL_DIRECTORIES);
  const foreign: string[] = [];
  for (const entry of entries) {
    const name = entry.endsWith('/') ? entry.slice(0, -1) : entry;
    if (!allowed.has(name)) foreign.push(name);
  }
  return foreign;
}

/**
 * The message for a location with foreign top-level entries, naming at most three as Velero does (more are
 * counted), e.g. `backup store contains invalid top-level directories: [docs tmp]`.
 */
export function foreignTopLevelMessage(foreign: readonly string[]): string {
  const shown = foreign.slice(0, 3).join(' ');
  const more = foreign.length > 3 ? ` and ${foreign.length - 3} more` : '';
  return `backup store contains invalid top-level directories: [${shown}]${more}`;
}

/**
 * Checks a location's top level as Velero's storage-location validation does: throws `Unavailable` (not
 * retryable: someone must clean the bucket or change the prefix) naming the foreign entries, if any.
 */
export async function assertLocationLayout(store: ObjectStore): Promise<void> {
  const foreign = classifyTopLevel(await store.listCommonPrefixes(''));
  if (foreign.length > 0)
    throw new LifeboatError('Unavailable', foreignTopLevelMessage(foreign), { retryable: false });
}

function checkName(name: string, what: string): void {
  if (
    typeof name !== 'string' ||
    name === '' ||
    name === '.' ||
    name === '..' ||
    name.includes('/') ||
    name.includes('\\') ||
    name.includes('\0')
  )
    throw new LifeboatError(
      'Invalid',
      `${what} name ${JSON.stringify(name)} cannot name a storage directory`,
      {
        field: 'metadata.name',
      },
    );
}
