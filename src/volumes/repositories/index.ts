import type { Logger } from 'pino';
import type { BackupStorageLocation } from '../../api/index.ts';
import { LABELS } from '../../api/labels.ts';
import type { BackupRepository } from '../../api/resources/backup-repository.ts';
import { errorMessage, isLifeboatError, LifeboatError } from '../../core/errors.ts';
import { lifeboatResource } from '../../kube/lifeboat-client.ts';
import type { DynamicClient, KubeObject } from '../../kube/types.ts';
import {
  initRepository,
  openRepository,
  type Repository,
  type RepositoryOptions,
} from '../../repository/index.ts';
import { createPrefixedObjectStore, type ObjectStore, resticRepositoryPrefix } from '../../storage/index.ts';
import { DEFAULT_MAINTENANCE_FREQUENCY, labelValue, REPOSITORY_TYPE, repositoryName } from './names.ts';
import { repositoryPassword } from './password.ts';

/**
 * Volume repositories: one restic-format repository per source namespace per backup storage location, at
 * `restic/<namespace>/` of the location, represented in the cluster by a `BackupRepository` that the server's
 * reconciler initialises and maintains. Callers: the pod-volume orchestration and the data mover (through
 * `ensureRepository`), the node agent and the reconciler (through `openRepositoryFor`).
 */
export {
  DEFAULT_MAINTENANCE_FREQUENCY,
  REPOSITORY_PASSWORD_KEY,
  REPOSITORY_PASSWORD_SECRET,
  REPOSITORY_TYPE,
  repositoryName,
} from './names.ts';
export { repositoryPassword, SECRETS_RESOURCE } from './password.ts';

export const BACKUP_REPOSITORIES = lifeboatResource('BackupRepository');

/** BackupStorageLocation → ObjectStore. The server's `StorageLocations` (src/controllers) has this shape. */
export interface LocationStores {
  get(name: string): Promise<BackupStorageLocation | undefined>;
  store(bsl: BackupStorageLocation): Promise<ObjectStore>;
}

export interface EnsureRepositoryOptions {
  /** The server's namespace, where BackupRepositories live. */
  namespace: string;
  location: string;
  volumeNamespace: string;
  signal?: AbortSignal;
  /** How often the object is read while waiting for Ready (default 200 ms). */
  pollIntervalMs?: number;
  /** Give up after this long (default 5 minutes): the reconciler is not running, or cannot reach storage. */
  timeoutMs?: number;
}

/**
 * Creates (or reuses) the BackupRepository of `volumeNamespace` in `location` and resolves once the server's
 * reconciler has marked it Ready. Rejects with `Unavailable` naming the reason when it is NotReady, with
 * `Timeout` after `timeoutMs`, and with `Canceled` when `signal` aborts.
 */
export async function ensureRepository(
  client: DynamicClient,
  options: EnsureRepositoryOptions,
): Promise<BackupRepository> {
  const { namespace, location, volumeNamespace } = options;
  const name = repositoryName(volumeNamespace, location);
  let object = await client.get(BACKUP_REPOSITORIES, namespace, name);
  if (!object) {
    try {
      object = await client.create(
        BACKUP_REPOSITORIES,
        repositoryObject(namespace, location, volumeNamespace),
      );
    } catch (err) {
      if (!isLifeboatError(err, 'AlreadyExists')) throw err;
      object = await client.get(BACKUP_REPOSITORIES, namespace, name);
    }
  }
  const deadline = Date.now() + (options.timeoutMs ?? 5 * 60_000);
  const interval = options.pollIntervalMs ?? 200;
  for (;;) {
    const status = (object?.status ?? {}) as { phase?: string; message?: string };
    // A NotReady repository is retried by its reconciler; the caller's own deadline decides how long to wait.
    if (status.phase === 'Ready') return object as BackupRepository;
    if (options.signal?.aborted)
      throw new LifeboatError('Canceled', `stopped waiting for repository ${namespace}/${name}`);
    if (Date.now() >= deadline)
      throw new LifeboatError(
        status.phase === 'NotReady' ? 'Unavailable' : 'Timeout',
        status.phase === 'NotReady'
          ? `repository ${name} is not ready: ${status.message ?? 'no reason given'}`
          : `repository ${name} was not initialised in time (is the server running?)`,
      );
    await sleep(interval, options.signal);
    object = await client.get(BACKUP_REPOSITORIES, namespace, name);
  }
}

function repositoryObject(namespace: string, location: string, volumeNamespace: string): KubeObject {
  return {
    apiVersion: BACKUP_REPOSITORIES.groupVersion,
    kind: 'BackupRepository',
    metadata: {
      name: repositoryName(volumeNamespace, location),
      namespace,
      labels: {
        [LABELS.volumeNamespace]: labelValue(volumeNamespace),
        [LABELS.storageLocation]: labelValue(location),
        [LABELS.repositoryType]: REPOSITORY_TYPE,
      },
    },
    spec: {
      volumeNamespace,
      backupStorageLocation: location,
      repositoryType: REPOSITORY_TYPE,
      maintenanceFrequency: DEFAULT_MAINTENANCE_FREQUENCY,
    },
  };
}

export interface RepositoryAccess {
  client: DynamicClient;
  /** The server's namespace (BackupStorageLocations, the password Secret). */
  namespace: string;
  stores: LocationStores;
  logger: Logger;
  /** Generate the password Secret when it is absent (the server does; node agents do not). */
  createPassword?: boolean;
  /** Passed to the engine (compression, pack size, hostname, KDF parameters in tests). */
  repositoryOptions?: RepositoryOptions & { kdf?: { N: number; r: number; p: number } };
}

/** The object store of a namespace's repository: the location's store scoped to `restic/<namespace>/`. */
export async function repositoryStore(
  stores: LocationStores,
  location: string,
  volumeNamespace: string,
): Promise<ObjectStore> {
  const bsl = await stores.get(location);
  if (!bsl) throw new LifeboatError('NotFound', `backup storage location ${location} does not exist`);
  return createPrefixedObjectStore(await stores.store(bsl), resticRepositoryPrefix(volumeNamespace));
}

/**
 * Opens the repository of `volumeNamespace` in `location` with the installation's password. With
 * `init: true` an empty location is initialised first (the BackupRepository reconciler does this on first
 * use; node agents only open). A wrong password is `PermissionDenied`, a missing repository `NotFound`.
 */
export async function openRepositoryFor(
  access: RepositoryAccess,
  location: string,
  volumeNamespace: string,
  options: { init?: boolean } = {},
): Promise<Repository> {
  const store = await repositoryStore(access.stores, location, volumeNamespace);
  const password = await repositoryPassword(access.client, access.namespace, {
    logger: access.logger,
    create: access.createPassword === true,
  });
  try {
    return await openRepository(store, password, access.repositoryOptions);
  } catch (err) {
    if (!options.init || !isLifeboatError(err, 'NotFound')) throw err;
  }
  try {
    const repo = await initRepository(store, password, access.repositoryOptions);
    access.logger.info({ location, volumeNamespace }, 'initialised the volume repository');
    return repo;
  } catch (err) {
    // Someone initialised it between our open and our init: open theirs.
    if (isLifeboatError(err, 'AlreadyExists'))
      return openRepository(store, password, access.repositoryOptions);
    throw new LifeboatError('Unavailable', `cannot initialise the repository: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
