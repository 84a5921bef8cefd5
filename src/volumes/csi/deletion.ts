import type { Logger } from 'pino';
import { LABELS } from '../../api/labels.ts';
import type { Backup } from '../../api/resources/backup.ts';
import type { Clock } from '../../core/clock.ts';
import { errorMessage, LifeboatError } from '../../core/errors.ts';
import type { DynamicClient, KubeObject } from '../../kube/types.ts';
import { backupKeys } from '../../storage/layout.ts';
import type { ObjectStore } from '../../storage/object-store.ts';
import { readSideFileList } from '../../storage/side-file.ts';
import type { VolumeInfo } from '../volume-info.ts';
import { ListPoller } from './list-poller.ts';
import { labelValue, objectName } from './names.ts';
import { type CsiResources, SNAPSHOT_API_VERSION } from './resources.ts';

/** What `DeleteBackupRequestReconciler` passes its `beforeDeleteBackup` hooks (structurally its type). */
export interface DeleteBackupInput {
  backup: Backup;
  store: ObjectStore;
  logger: Logger;
}

/** Forgets repository snapshots of one source namespace in one location's repository (prune reclaims). */
export type ForgetRepositorySnapshots = (request: {
  location: string;
  volumeNamespace: string;
  snapshotIDs: string[];
}) => Promise<void>;

export interface DeletionDeps {
  client: DynamicClient;
  resources: CsiResources;
  namespace: string;
  clock: Clock;
  forget?: ForgetRepositorySnapshots;
  pollIntervalMs?: number;
}

const isNotFound = (err: unknown): boolean => err instanceof LifeboatError && err.code === 'NotFound';

async function listAll(
  client: DynamicClient,
  resource: CsiResources[keyof CsiResources],
  labelSelector: string,
  namespace?: string,
): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for await (const page of client.listPages(resource, { labelSelector, ...(namespace ? { namespace } : {}) }))
    out.push(...page.items);
  return out;
}

/** The backup's volume-info entries from its side file; none when the file is absent (older backups). */
async function readVolumeInfos(store: ObjectStore, backupName: string): Promise<VolumeInfo[]> {
  return readSideFileList<VolumeInfo>(store, backupKeys(backupName).volumeInfo);
}

/**
 * Removes a deleted backup's snapshot data. VolumeSnapshotContents labelled with the backup get
 * deletionPolicy Delete and are deleted (the driver removes the data). Snapshots the volume-info side file
 * names but the cluster has no content for (a backup synced from another cluster) get a pre-provisioned
 * content with policy Delete, which is deleted once the driver has bound it, as Velero does. Leftover
 * VolumeSnapshots and the DataUploads of the backup are deleted; moved data's repository snapshots are
 * forgotten through `forget` (without it they are reported, not silently kept). Answers the problems met.
 */
export async function deleteBackupSnapshots(deps: DeletionDeps, input: DeleteBackupInput): Promise<string[]> {
  const { client, resources, namespace } = deps;
  const backupName = input.backup.metadata.name ?? '';
  const selector = `${LABELS.backupName}=${labelValue(backupName)}`;
  const errors: string[] = [];
  const attempt = async (what: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      if (!isNotFound(err)) errors.push(`${what}: ${errorMessage(err)}`);
    }
  };

  let infos: VolumeInfo[] = [];
  await attempt('reading the volume-info side file', async () => {
    infos = await readVolumeInfos(input.store, backupName);
  });

  for (const vs of await listAll(client, resources.volumeSnapshots, selector))
    await attempt(`deleting VolumeSnapshot ${vs.metadata?.namespace}/${vs.metadata?.name}`, () =>
      client.delete(resources.volumeSnapshots, vs.metadata?.namespace, vs.metadata?.name ?? ''),
    );

  const contents = await listAll(client, resources.volumeSnapshotContents, selector);
  const handled = new Set(
    contents
      .map((c) => (c.status as { snapshotHandle?: string } | undefined)?.snapshotHandle)
      .filter(Boolean),
  );
  for (const vsc of contents) {
    const name = vsc.metadata?.name ?? '';
    await attempt(`deleting VolumeSnapshotContent ${name}`, async () => {
      await client.patch(resources.volumeSnapshotContents, undefined, name, 'merge', {
        spec: { deletionPolicy: 'Delete' },
      });
      await client.delete(resources.volumeSnapshotContents, undefined, name);
    });
  }

  const orphans = infos.filter(
    (i) =>
      i.backupMethod === 'CSISnapshot' &&
      i.csiSnapshotInfo?.snapshotHandle &&
      i.csiSnapshotInfo.driver &&
      !handled.has(i.csiSnapshotInfo.snapshotHandle),
  );
  if (orphans.length > 0) {
    const poller = new ListPoller({
      client,
      resource: resources.volumeSnapshotContents,
      labelSelector: selector,
      clock: deps.clock,
      intervalMs: deps.pollIntervalMs ?? 200,
    });
    await Promise.all(
      orphans.map((info) =>
        attempt(
          `deleting snapshot ${info.csiSnapshotInfo?.snapshotHandle} of PVC ${info.pvcNamespace}/${info.pvcName}`,
          () => deleteByHandle(deps, poller, backupName, info),
        ),
      ),
    );
  }

  const uploads = await listAll(client, resources.dataUploads, selector, namespace);
  const moved = new Map<string, { location: string; volumeNamespace: string; ids: Set<string> }>();
  const note = (location: string, volumeNamespace: string, id: string | undefined): void => {
    if (!location || !volumeNamespace || !id) return;
    const key = `${location}\u0000${volumeNamespace}`;
    const entry = moved.get(key) ?? { location, volumeNamespace, ids: new Set<string>() };
    entry.ids.add(id);
    moved.set(key, entry);
  };
  const location =
    input.backup.spec.storageLocation || input.backup.metadata.labels?.[LABELS.storageLocation] || '';
  for (const info of infos)
    if (info.snapshotDataMoved)
      note(location, info.pvcNamespace ?? '', info.snapshotDataMovementInfo?.snapshotHandle);
  for (const du of uploads) {
    const spec = (du.spec ?? {}) as { backupStorageLocation?: string; sourceNamespace?: string };
    note(
      spec.backupStorageLocation ?? location,
      spec.sourceNamespace ?? '',
      (du.status as { snapshotID?: string })?.snapshotID,
    );
  }
  for (const entry of moved.values()) {
    const ids = [...entry.ids];
    if (!deps.forget) {
      errors.push(
        `repository snapshots ${ids.join(', ')} of namespace ${entry.volumeNamespace} cannot be forgotten: no repository access configured`,
      );
      continue;
    }
    await attempt(`forgetting repository snapshots of namespace ${entry.volumeNamespace}`, () =>
      deps.forget!({ location: entry.location, volumeNamespace: entry.volumeNamespace, snapshotIDs: ids }),
    );
  }
  if (errors.length === 0)
    for (const du of uploads)
      await attempt(`deleting DataUpload ${du.metadata?.name}`, () =>
        client.delete(resources.dataUploads, namespace, du.metadata?.name ?? ''),
      );
  input.logger.info(
    {
      contents: contents.length,
      fromSideFile: orphans.length,
      dataUploads: uploads.length,
      problems: errors.length,
    },
    'snapshots of the deleted backup removed',
  );
  return errors;
}

/** Binds a content with policy Delete to the handle, waits until the driver knows it, then deletes it. */
async function deleteByHandle(
  deps: DeletionDeps,
  poller: ListPoller,
  backupName: string,
  info: VolumeInfo,
): Promise<void> {
  const { client, resources } = deps;
  const handle = info.csiSnapshotInfo?.snapshotHandle ?? '';
  const name = objectName('lifeboat-delete', info.pvcName ?? 'snapshot', `${backupName}/${handle}`);
  await client
    .create(resources.volumeSnapshotContents, {
      apiVersion: SNAPSHOT_API_VERSION,
      kind: 'VolumeSnapshotContent',
      metadata: { name, labels: { [LABELS.backupName]: labelValue(backupName) } },
      spec: {
        deletionPolicy: 'Delete',
        driver: info.csiSnapshotInfo?.driver,
        source: { snapshotHandle: handle },
        // A reference is required; it names a snapshot that never exists, so nothing binds it.
        volumeSnapshotRef: {
          apiVersion: SNAPSHOT_API_VERSION,
          kind: 'VolumeSnapshot',
          namespace: deps.namespace,
          name,
        },
      },
    })
    .catch((err) => {
      if (!(err instanceof LifeboatError && err.code === 'AlreadyExists')) throw err;
    });
  await poller.wait(
    '',
    name,
    (o) => {
      const status = (o?.status ?? {}) as {
        snapshotHandle?: string;
        readyToUse?: boolean;
        error?: { message?: string };
      };
      if (!o) return { failed: 'the content vanished' };
      if (status.readyToUse) return { done: true };
      // The driver does not know the handle: the data is already gone.
      if (status.error?.message) return { done: false };
      return undefined;
    },
    60_000,
    `the CSI driver did not take up snapshot ${handle} within a minute`,
  );
  await client.delete(resources.volumeSnapshotContents, undefined, name);
}
