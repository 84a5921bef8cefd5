import type { Logger } from 'pino';
import { ANNOTATIONS, LABELS } from '../../api/labels.ts';
import type { Backup } from '../../api/resources/backup.ts';
import type { Restore } from '../../api/resources/restore.ts';
import type { Clock } from '../../core/clock.ts';
import { parseDuration } from '../../core/duration.ts';
import { errorMessage, LifeboatError } from '../../core/errors.ts';
import { quantityValue } from '../../core/quantity.ts';
import type { DynamicClient, KubeObject, ResourceCatalog } from '../../kube/types.ts';
import { buildDataDownload, DYNAMIC_PV_RESTORE_LABEL, downloadVerdict } from '../data-mover/data-download.ts';
import { buildDataUpload, type UploadOutcome, uploadVerdict } from '../data-mover/data-upload.ts';
import { ensureRepository } from '../repositories/index.ts';
import type { VolumeInfo } from '../volume-info.ts';
import { type DeleteBackupInput, deleteBackupSnapshots, type ForgetRepositorySnapshots } from './deletion.ts';
import { ConcurrencyLimiter } from './limiter.ts';
import { ListPoller, type Verdict } from './list-poller.ts';
import { labelValue, objectName } from './names.ts';
import { type CsiResources, csiResources, SNAPSHOT_API_VERSION, SNAPSHOT_GROUP } from './resources.ts';
import { chooseSnapshotClass, csiDriverOf } from './snapshot-class.ts';

const DEFAULT_CSI_TIMEOUT_MS = 10 * 60_000;
const DEFAULT_OPERATION_TIMEOUT = '4h';
const DATA_MOVER = 'lifeboat';
/** Annotation on a Backup: `true` keeps the CSI snapshot after its data was moved (Velero's retainedSnapshot). */
export const PRESERVE_LOCAL_SNAPSHOT_ANNOTATION = ANNOTATIONS.preserveLocalSnapshot;

export interface CsiSnapshotterDeps {
  client: DynamicClient;
  catalog: ResourceCatalog;
  logger: Logger;
  clock: Clock;
  /** Snapshots in flight at once, over every backup this snapshotter serves (default 64). */
  concurrency?: number;
  /** The server's namespace: DataUploads, DataDownloads and Backups live there. */
  namespace: string;
  /** How often the state of awaited objects is listed (default 200 ms). */
  pollIntervalMs?: number;
  /** Forgets moved data's repository snapshots when a backup is deleted (A's repository helper). */
  forgetRepositorySnapshots?: ForgetRepositorySnapshots;
  /**
   * Makes sure the source namespace's repository exists and is Ready before a DataUpload names it (the node
   * agent only opens repositories). Default: `ensureRepository` of `src/volumes/repositories`, which needs
   * the server's BackupRepository reconciler.
   */
  ensureRepository?: (
    client: DynamicClient,
    options: { namespace: string; location: string; volumeNamespace: string },
  ) => Promise<unknown>;
}

interface SnapshotState {
  readyToUse?: boolean;
  boundVolumeSnapshotContentName?: string;
  restoreSize?: string;
  error?: { message?: string };
}

interface ContentFacts {
  name: string;
  snapshotHandle: string;
  driver: string;
  size?: number;
}

/** Bytes from a quantity the snapshot controller reports (`1Gi`, `512Mi`, `1073741824`). */
function quantityBytes(value: unknown): number | undefined {
  if (typeof value !== 'number' && typeof value !== 'string') return undefined;
  const bytes = quantityValue(value);
  return bytes === undefined ? undefined : Math.round(bytes);
}

function timeoutMs(duration: string | undefined, fallback: number): number {
  if (!duration) return fallback;
  const ms = parseDuration(duration);
  return ms > 0 ? ms : fallback;
}

/**
 * CSI snapshots of PVCs for backups, their restore as pre-provisioned snapshots, snapshot data movement
 * (DataUpload/DataDownload) and the deletion of a deleted backup's snapshots. Every call of `snapshot` runs
 * at once up to the concurrency bound; the state of awaited objects is read with one list per resource and
 * backup (or restore) per poll interval, so hundreds of snapshots cost a handful of requests a second.
 */
export class CsiSnapshotter {
  readonly #client: DynamicClient;
  readonly #catalog: ResourceCatalog;
  #resolved: CsiResources | undefined;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #namespace: string;
  readonly #limiter: ConcurrencyLimiter;
  readonly #pollIntervalMs: number;
  readonly #pollers = new Map<string, ListPoller>();
  readonly #forget: ForgetRepositorySnapshots | undefined;
  readonly #ensureRepository: NonNullable<CsiSnapshotterDeps['ensureRepository']>;

  constructor(deps: CsiSnapshotterDeps) {
    this.#client = deps.client;
    this.#catalog = deps.catalog;
    this.#logger = deps.logger;
    this.#clock = deps.clock;
    this.#namespace = deps.namespace;
    this.#limiter = new ConcurrencyLimiter(deps.concurrency ?? 64);
    this.#pollIntervalMs = deps.pollIntervalMs ?? 200;
    this.#forget = deps.forgetRepositorySnapshots;
    this.#ensureRepository = deps.ensureRepository ?? ensureRepository;
  }

  /**
   * The VolumeSnapshotClass for the PVC's CSI driver (see `chooseSnapshotClass`), or undefined when the PV
   * is not CSI or its driver has no class labelled `lifeboat.io/csi-volumesnapshot-class`.
   */
  async classFor(pvc: KubeObject, pv: KubeObject, backup?: Backup): Promise<string | undefined> {
    if (!csiDriverOf(pv)) return undefined;
    const classes: KubeObject[] = [];
    for await (const page of this.#client.listPages(this.#resources.volumeSnapshotClasses))
      classes.push(...page.items);
    return chooseSnapshotClass(classes, pvc, pv, backup);
  }

  /**
   * Snapshots one PVC for a backup and answers its volume-info entry (backupMethod CSISnapshot). The
   * VolumeSnapshot is created in the PVC's namespace, awaited until readyToUse within the backup's
   * `csiSnapshotTimeout` (10m), its content set to deletionPolicy Retain and labelled with the backup, and the
   * VolumeSnapshot deleted, so deleting the namespace cannot take the data. With `snapshotMoveData` a
   * DataUpload is created and awaited (the backup's `itemOperationTimeout`, 4h) and the snapshot then
   * removed, unless the backup is annotated `lifeboat.io/preserve-local-snapshot: "true"`. Throws a
   * LifeboatError naming the PVC when it cannot (no class, timeout, driver error, failed upload); whatever
   * it created is removed then.
   */
  async snapshot(backup: Backup, pvc: KubeObject, pv: KubeObject): Promise<VolumeInfo> {
    const namespace = pvc.metadata?.namespace ?? '';
    const pvcName = pvc.metadata?.name ?? '';
    const what = `PVC ${namespace}/${pvcName}`;
    const start = this.#clock.now();
    const driver = csiDriverOf(pv);
    if (!driver)
      throw new LifeboatError('Invalid', `${what}: its volume ${pv.metadata?.name} is not a CSI volume`);
    const snapshotClass = await this.classFor(pvc, pv, backup);
    if (!snapshotClass)
      throw new LifeboatError(
        'NotFound',
        `${what}: no VolumeSnapshotClass for driver ${driver} is labelled ${LABELS.csiVolumeSnapshotClass}=true`,
      );
    const backupName = backup.metadata.name ?? '';
    const backupUid = backup.metadata.uid ?? '';
    const log = this.#logger.child({ backup: backupName, pvc: `${namespace}/${pvcName}` });
    const timeout = timeoutMs(backup.spec.csiSnapshotTimeout, DEFAULT_CSI_TIMEOUT_MS);
    const timeoutMessage = `${what}: the snapshot was not ready to use within the CSI snapshot timeout ${backup.spec.csiSnapshotTimeout ?? '10m0s'}`;
    // The bound covers the cut (create, until the driver reports creationTime); waiting for readyToUse
    // (the provider's upload, minutes on a cloud) holds no slot, so a backup's snapshots overlap there.
    const release = await this.#limiter.acquire();
    let vsName = '';
    try {
      const vs = await this.#client.create(this.#resources.volumeSnapshots, {
        apiVersion: SNAPSHOT_API_VERSION,
        kind: 'VolumeSnapshot',
        metadata: {
          name: objectName('lifeboat', pvcName, `${backupUid}/${pvc.metadata?.uid ?? pvcName}`),
          namespace,
          labels: this.#backupLabels(backup),
        },
        spec: { volumeSnapshotClassName: snapshotClass, source: { persistentVolumeClaimName: pvcName } },
      });
      vsName = vs.metadata?.name ?? '';
      await this.#poller('vs', backup).wait(
        namespace,
        vsName,
        (o) => cutVerdict(o, what),
        timeout,
        timeoutMessage,
      );
    } catch (err) {
      if (vsName) await this.#deleteSnapshot(namespace, vsName).catch(() => undefined);
      throw err instanceof LifeboatError
        ? err
        : new LifeboatError('Internal', `${what}: ${errorMessage(err)}`, { cause: err });
    } finally {
      release();
    }
    let content: ContentFacts | undefined;
    const moveData = backup.spec.snapshotMoveData === true;
    const preserve = backup.metadata.annotations?.[PRESERVE_LOCAL_SNAPSHOT_ANNOTATION] === 'true';
    try {
      const contentName = await this.#poller('vs', backup).wait(
        namespace,
        vsName,
        (o) => snapshotVerdict(o, what),
        Math.max(1, start.getTime() + timeout - this.#clock.now().getTime()),
        timeoutMessage,
      );
      content = await this.#contentFacts(contentName, what);
      // Retain first: deleting the VolumeSnapshot (now, or with its namespace) must not take the data.
      await this.#client.patch(this.#resources.volumeSnapshotContents, undefined, content.name, 'merge', {
        metadata: { labels: this.#backupLabels(backup) },
        spec: { deletionPolicy: 'Retain' },
      });
      const info: VolumeInfo = {
        pvcName,
        pvcNamespace: namespace,
        pvName: pv.metadata?.name,
        backupMethod: 'CSISnapshot',
        snapshotDataMoved: false,
        preserveLocalSnapshot: false,
        skipped: false,
        startTimestamp: start.toISOString(),
        result: 'succeeded',
        csiSnapshotInfo: {
          snapshotHandle: content.snapshotHandle,
          size: content.size,
          driver: content.driver,
          vscName: content.name,
          operationID: `${namespace}/${vsName}/${start.toISOString()}`,
        },
        pvInfo: {
          reclaimPolicy: (pv.spec as { persistentVolumeReclaimPolicy?: string } | undefined)
            ?.persistentVolumeReclaimPolicy,
          labels: pv.metadata?.labels,
        },
      };
      if (moveData) {
        const outcome = await this.#moveData(backup, pvc, vsName, snapshotClass, driver, what);
        info.snapshotDataMoved = true;
        info.preserveLocalSnapshot = preserve;
        info.snapshotDataMovementInfo = {
          dataMover: DATA_MOVER,
          uploaderType: 'restic',
          snapshotHandle: outcome.snapshotID,
          operationID: outcome.dataUpload.metadata?.labels?.[LABELS.asyncOperationId],
          size: outcome.totalBytes,
          incrementalSize: outcome.incrementalBytes,
          phase: outcome.phase,
          ...(preserve ? { retainedSnapshot: content.name } : {}),
        };
        if (!preserve) {
          // The data is in the repository now: the local snapshot goes, with its data (policy Delete).
          await this.#removeContent(content.name);
          delete info.csiSnapshotInfo;
        }
      }
      await this.#deleteSnapshot(namespace, vsName);
      info.completionTimestamp = this.#clock.now().toISOString();
      log.info({ snapshotHandle: content.snapshotHandle, moved: moveData }, 'CSI snapshot taken');
      return info;
    } catch (err) {
      log.warn({ err: errorMessage(err) }, 'CSI snapshot failed; removing what it created');
      await this.#deleteSnapshot(namespace, vsName).catch(() => undefined);
      if (content) await this.#removeContent(content.name).catch(() => undefined);
      if (err instanceof LifeboatError) throw err;
      throw new LifeboatError('Internal', `${what}: ${errorMessage(err)}`, { cause: err });
    }
  }

  async #moveData(
    backup: Backup,
    pvc: KubeObject,
    volumeSnapshot: string,
    snapshotClass: string,
    driver: string,
    what: string,
  ): Promise<UploadOutcome> {
    const location = backup.spec.storageLocation || backup.metadata.labels?.[LABELS.storageLocation] || '';
    if (!location)
      throw new LifeboatError(
        'Invalid',
        `${what}: the backup names no storage location to move the data into`,
      );
    await this.#ensureRepository(this.#client, {
      namespace: this.#namespace,
      location,
      volumeNamespace: pvc.metadata?.namespace ?? '',
    });
    const du = await this.#client.create(
      this.#resources.dataUploads,
      buildDataUpload({
        backup,
        namespace: this.#namespace,
        pvc,
        volumeSnapshot,
        snapshotClass,
        driver,
        backupStorageLocation: location,
        operationTimeout: backup.spec.csiSnapshotTimeout || '10m0s',
      }),
    );
    const name = du.metadata?.name ?? '';
    return this.#poller('du', backup).wait(
      this.#namespace,
      name,
      (o) => withPrefix(uploadVerdict(o), what),
      timeoutMs(backup.spec.itemOperationTimeout, 4 * 3_600_000),
      `${what}: DataUpload ${name} did not finish within the item operation timeout`,
    );
  }

  /**
   * The objects that bring a claim back from its snapshot, for the restore engine to create before the
   * claim: for a CSI snapshot a VolumeSnapshotContent pre-provisioned from the snapshot handle (Retain, bound
   * by `volumeSnapshotRef` to) a VolumeSnapshot in the claim's target namespace, the claim's `dataSource`
   * pointing at that VolumeSnapshot; for moved data a DataDownload in the server's namespace, the claim
   * given a selector so it binds only to the volume the node agent fills (never an empty one). The claim's
   * `volumeName` is cleared; its storage class (already mapped by the engine) is kept.
   */
  async restorePvc(
    restore: Restore,
    pvc: KubeObject,
    info: VolumeInfo,
  ): Promise<{ pvc: KubeObject; create: KubeObject[] }> {
    const sourceNamespace = pvc.metadata?.namespace ?? info.pvcNamespace ?? '';
    const targetNamespace = restore.spec.namespaceMapping?.[sourceNamespace] ?? sourceNamespace;
    const name = pvc.metadata?.name ?? '';
    const restoreUid = restore.metadata.uid ?? restore.metadata.name ?? '';
    const spec = { ...((pvc.spec ?? {}) as Record<string, unknown>) };
    delete spec.volumeName;
    delete spec.dataSource;
    delete spec.dataSourceRef;
    const labels = {
      [LABELS.restoreName]: labelValue(restore.metadata.name ?? ''),
      [LABELS.restoreUid]: restore.metadata.uid ?? '',
    };
    if (info.snapshotDataMoved) {
      const moved = info.snapshotDataMovementInfo;
      if (!moved?.snapshotHandle)
        throw new LifeboatError(
          'Invalid',
          `PVC ${sourceNamespace}/${name}: its moved data has no repository snapshot id`,
        );
      const backup = await this.#client.get(
        this.#resources.backups,
        this.#namespace,
        restore.spec.backupName ?? '',
      );
      const location =
        (backup?.spec as { storageLocation?: string } | undefined)?.storageLocation ||
        backup?.metadata?.labels?.[LABELS.storageLocation];
      if (!location)
        throw new LifeboatError(
          'NotFound',
          `PVC ${sourceNamespace}/${name}: the storage location of backup "${restore.spec.backupName}" is unknown`,
        );
      const selectorValue = labelValue(`${targetNamespace}.${name}.${restoreUid.slice(0, 8)}`);
      spec.selector = { matchLabels: { [DYNAMIC_PV_RESTORE_LABEL]: selectorValue } };
      const dd = buildDataDownload({
        restore,
        namespace: this.#namespace,
        targetNamespace,
        targetPvc: name,
        snapshotID: moved.snapshotHandle,
        sourceNamespace: info.pvcNamespace ?? sourceNamespace,
        backupStorageLocation: location,
        datamover: (backup?.spec as { datamover?: string } | undefined)?.datamover,
        snapshotSize: moved.size,
        operationTimeout: restore.spec.itemOperationTimeout || DEFAULT_OPERATION_TIMEOUT,
      });
      return { pvc: { ...pvc, spec }, create: [dd] };
    }
    const handle = info.csiSnapshotInfo?.snapshotHandle;
    const driver = info.csiSnapshotInfo?.driver;
    if (!handle || !driver)
      throw new LifeboatError(
        'Invalid',
        `PVC ${sourceNamespace}/${name}: its CSI snapshot has no handle or driver`,
      );
    const vsName = objectName('lifeboat', name, `${restoreUid}/${targetNamespace}/${name}`);
    const vscName = objectName('lifeboat-vsc', name, `${restoreUid}/${targetNamespace}/${name}`);
    const content: KubeObject = {
      apiVersion: SNAPSHOT_API_VERSION,
      kind: 'VolumeSnapshotContent',
      metadata: { name: vscName, labels },
      spec: {
        deletionPolicy: 'Retain',
        driver,
        source: { snapshotHandle: handle },
        volumeSnapshotRef: {
          apiVersion: SNAPSHOT_API_VERSION,
          kind: 'VolumeSnapshot',
          namespace: targetNamespace,
          name: vsName,
        },
      },
    };
    const snapshot: KubeObject = {
      apiVersion: SNAPSHOT_API_VERSION,
      kind: 'VolumeSnapshot',
      metadata: { name: vsName, namespace: targetNamespace, labels },
      spec: { source: { volumeSnapshotContentName: vscName } },
    };
    const source = { apiGroup: SNAPSHOT_GROUP, kind: 'VolumeSnapshot', name: vsName };
    spec.dataSource = source;
    spec.dataSourceRef = source;
    return { pvc: { ...pvc, spec }, create: [content, snapshot] };
  }

  /**
   * Waits for the restore's DataDownloads (created from `restorePvc`'s objects) to finish; answers one
   * message per failed one. Resolves at once when the restore created none.
   */
  async waitForDataDownloads(restore: Restore): Promise<{ errors: string[] }> {
    const uid = restore.metadata.uid ?? '';
    const list: KubeObject[] = [];
    for await (const page of this.#client.listPages(this.#resources.dataDownloads, {
      namespace: this.#namespace,
      labelSelector: `${LABELS.restoreUid}=${uid}`,
    }))
      list.push(...page.items);
    const poller = this.#pollerFor(
      'dd',
      this.#resources.dataDownloads,
      `${LABELS.restoreUid}=${uid}`,
      this.#namespace,
    );
    const limit = timeoutMs(restore.spec.itemOperationTimeout, 4 * 3_600_000);
    const results = await Promise.allSettled(
      list.map((dd) =>
        poller.wait(
          this.#namespace,
          dd.metadata?.name ?? '',
          downloadVerdict,
          limit,
          `DataDownload ${dd.metadata?.name} did not finish within the item operation timeout`,
        ),
      ),
    );
    const errors = results.flatMap((r, i) => {
      if (r.status === 'fulfilled') return [];
      const spec = (list[i]?.spec ?? {}) as { targetVolume?: { namespace?: string; pvc?: string } };
      const target = spec.targetVolume ?? {};
      return [`PVC ${target.namespace}/${target.pvc}: ${errorMessage(r.reason)}`];
    });
    return { errors };
  }

  /**
   * A `BeforeDeleteBackup` hook: removes the backup's VolumeSnapshotContents (deletionPolicy Delete first, so
   * the driver deletes the data), leftover VolumeSnapshots and its DataUploads, and forgets the DataUploads'
   * repository snapshots through `forgetRepositorySnapshots` when given. Answers the problems met.
   */
  readonly deleteForBackup = async (input: DeleteBackupInput): Promise<string[] | undefined> => {
    let resources: CsiResources;
    try {
      resources = this.#resources;
    } catch (err) {
      // No snapshot API in this cluster: no snapshots of the backup can live here.
      input.logger.info({ reason: errorMessage(err) }, 'no CSI snapshots to delete');
      return [];
    }
    return deleteBackupSnapshots(
      {
        client: this.#client,
        resources,
        namespace: this.#namespace,
        clock: this.#clock,
        forget: this.#forget,
        pollIntervalMs: this.#pollIntervalMs,
      },
      input,
    );
  };

  /**
   * Resolved on first use, so a server on a cluster without the snapshot API starts; what needs the API then
   * fails with NotFound saying it is not served.
   */
  get #resources(): CsiResources {
    this.#resolved ??= csiResources(this.#catalog);
    return this.#resolved;
  }

  #backupLabels(backup: Backup): Record<string, string> {
    return {
      [LABELS.backupName]: labelValue(backup.metadata.name ?? ''),
      [LABELS.backupUid]: backup.metadata.uid ?? '',
    };
  }

  #poller(kind: 'vs' | 'du', backup: Backup): ListPoller {
    const selector = `${LABELS.backupUid}=${backup.metadata.uid ?? ''}`;
    return kind === 'vs'
      ? this.#pollerFor('vs', this.#resources.volumeSnapshots, selector, undefined)
      : this.#pollerFor('du', this.#resources.dataUploads, selector, this.#namespace);
  }

  #pollerFor(
    kind: string,
    resource: CsiResources[keyof CsiResources],
    labelSelector: string,
    namespace: string | undefined,
  ): ListPoller {
    const key = `${kind}|${labelSelector}`;
    let poller = this.#pollers.get(key);
    if (!poller) {
      poller = new ListPoller({
        client: this.#client,
        resource,
        labelSelector,
        namespace,
        clock: this.#clock,
        intervalMs: this.#pollIntervalMs,
        onIdle: () => this.#pollers.delete(key),
      });
      this.#pollers.set(key, poller);
    }
    return poller;
  }

  async #contentFacts(name: string, what: string): Promise<ContentFacts> {
    const vsc = await this.#client.get(this.#resources.volumeSnapshotContents, undefined, name);
    const status = (vsc?.status ?? {}) as { snapshotHandle?: string; restoreSize?: number };
    if (!vsc || !status.snapshotHandle)
      throw new LifeboatError('Internal', `${what}: VolumeSnapshotContent ${name} has no snapshot handle`);
    return {
      name,
      snapshotHandle: status.snapshotHandle,
      driver: String((vsc.spec as { driver?: string } | undefined)?.driver ?? ''),
      size: quantityBytes(status.restoreSize),
    };
  }

  async #deleteSnapshot(namespace: string, name: string): Promise<void> {
    await this.#client.delete(this.#resources.volumeSnapshots, namespace, name).catch((err) => {
      if (!(err instanceof LifeboatError && err.code === 'NotFound')) throw err;
    });
  }

  /** Policy Delete, then delete: the driver removes the snapshot's data. */
  async #removeContent(name: string): Promise<void> {
    try {
      await this.#client.patch(this.#resources.volumeSnapshotContents, undefined, name, 'merge', {
        spec: { deletionPolicy: 'Delete' },
      });
      await this.#client.delete(this.#resources.volumeSnapshotContents, undefined, name);
    } catch (err) {
      if (!(err instanceof LifeboatError && err.code === 'NotFound')) throw err;
    }
  }
}

function withPrefix<T>(verdict: Verdict<T>, what: string): Verdict<T> {
  return verdict && 'failed' in verdict ? { failed: `${what}: ${verdict.failed}` } : verdict;
}

/** Cut (the driver reported creationTime) or ready, failed with the driver's error, or still waiting. */
function cutVerdict(object: KubeObject | undefined, what: string): Verdict<true> {
  const verdict = snapshotVerdict(object, what);
  if (verdict) return 'done' in verdict ? { done: true } : verdict;
  const status = (object?.status ?? {}) as SnapshotState & { creationTime?: string };
  return status.creationTime && status.boundVolumeSnapshotContentName ? { done: true } : undefined;
}

/** Ready (with its content's name), failed with the driver's error, or still waiting. */
function snapshotVerdict(object: KubeObject | undefined, what: string): Verdict<string> {
  if (!object) return { failed: `${what}: the VolumeSnapshot was deleted before it was ready` };
  const status = (object.status ?? {}) as SnapshotState;
  if (status.readyToUse && status.boundVolumeSnapshotContentName)
    return { done: status.boundVolumeSnapshotContentName };
  // The snapshot controller reports transient errors too (an unbound claim); only a content's error is final.
  if (status.error?.message && status.boundVolumeSnapshotContentName)
    return { failed: `${what}: ${status.error.message}` };
  return undefined;
}
