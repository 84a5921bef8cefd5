import type { Logger } from 'pino';
import { type Clock, systemClock } from '../core/clock.ts';
import type { DynamicClient } from '../kube/types.ts';
import type { LocationStores, RepositoryAccess } from '../volumes/repositories/index.ts';
import { DATA_DOWNLOADS, DATA_UPLOADS, handleDataDownload, handleDataUpload } from './data-movement.ts';
import type { AgentDeps } from './deps.ts';
import { handlePodVolumeBackup, POD_VOLUME_BACKUPS } from './pod-volume-backup.ts';
import { handlePodVolumeRestore, POD_VOLUME_RESTORES } from './pod-volume-restore.ts';
import { WorkLoop } from './work-loop.ts';

export interface NodeAgentOptions {
  client: DynamicClient;
  /** The server's namespace. */
  namespace: string;
  node: string;
  /** The node's root file system as the agent sees it (default `/`). */
  hostRoot?: string;
  /** BackupStorageLocation → ObjectStore (the CLI passes the server's `StorageLocations`). */
  stores: LocationStores;
  logger: Logger;
  clock?: Clock;
  progressIntervalMs?: number;
  /** Passed to the repository engine (tests use cheap key derivation). */
  repositoryOptions?: RepositoryAccess['repositoryOptions'];
}

export interface NodeAgent {
  /**
   * Stops watching, interrupts the transfers in flight (each releases its repository lock and writes no
   * snapshot) and waits for them; unfinished objects stay InProgress for the next start.
   */
  stop(): Promise<void>;
}

/**
 * Starts the node agent of one node: it reconciles the PodVolumeBackups and PodVolumeRestores of that node
 * (their `spec.node`, or the node of the pod they restore into), and takes DataUploads and DataDownloads that
 * no other agent took first. On start, requests this node had
 * in progress are picked up again. Resolves once the first lists are in.
 */
export async function startNodeAgent(options: NodeAgentOptions): Promise<NodeAgent> {
  const logger = options.logger.child({ node: options.node });
  const deps: AgentDeps = {
    client: options.client,
    namespace: options.namespace,
    node: options.node,
    hostRoot: options.hostRoot ?? '/',
    repositories: {
      client: options.client,
      namespace: options.namespace,
      stores: options.stores,
      logger,
      createPassword: false,
      repositoryOptions: options.repositoryOptions,
    },
    logger,
    clock: options.clock ?? systemClock,
    progressIntervalMs: options.progressIntervalMs ?? 500,
  };
  const loops = [
    new WorkLoop(
      options.client,
      POD_VOLUME_BACKUPS,
      options.namespace,
      (name, state) => handlePodVolumeBackup(deps, name, state),
      logger,
    ),
    new WorkLoop(
      options.client,
      POD_VOLUME_RESTORES,
      options.namespace,
      (name, state) => handlePodVolumeRestore(deps, name, state),
      logger,
    ),
    new WorkLoop(
      options.client,
      DATA_UPLOADS,
      options.namespace,
      (name, state) => handleDataUpload(deps, name, state),
      logger,
    ),
    new WorkLoop(
      options.client,
      DATA_DOWNLOADS,
      options.namespace,
      (name, state) => handleDataDownload(deps, name, state),
      logger,
    ),
  ];
  try {
    await Promise.all(loops.map((l) => l.start()));
  } catch (err) {
    await Promise.all(loops.map((l) => l.stop()));
    throw err;
  }
  logger.info({ hostRoot: deps.hostRoot }, 'node agent started');
  return {
    async stop() {
      await Promise.all(loops.map((l) => l.stop()));
      logger.info('node agent stopped');
    },
  };
}
