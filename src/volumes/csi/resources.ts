import { GROUP } from '../../api/group.ts';
import type { ResourceKind } from '../../api/kinds.ts';
import { LifeboatError } from '../../core/errors.ts';
import { lifeboatResource } from '../../kube/lifeboat-client.ts';
import type { ApiResourceInfo, ResourceCatalog } from '../../kube/types.ts';

export const SNAPSHOT_GROUP = 'snapshot.storage.k8s.io';
export const SNAPSHOT_API_VERSION = `${SNAPSHOT_GROUP}/v1`;

/** The resources the CSI snapshotter reads and writes, as the server serves them. */
export interface CsiResources {
  volumeSnapshots: ApiResourceInfo;
  volumeSnapshotContents: ApiResourceInfo;
  volumeSnapshotClasses: ApiResourceInfo;
  persistentVolumeClaims: ApiResourceInfo;
  dataUploads: ApiResourceInfo;
  dataDownloads: ApiResourceInfo;
  backups: ApiResourceInfo;
}

function need(info: ApiResourceInfo | undefined, what: string): ApiResourceInfo {
  if (!info)
    throw new LifeboatError(
      'NotFound',
      `the cluster does not serve ${what}: install the CSI snapshot CRDs and controller (external-snapshotter)`,
    );
  return info;
}

function lifeboat(catalog: ResourceCatalog, kind: ResourceKind): ApiResourceInfo {
  return catalog.forKind(GROUP, kind) ?? lifeboatResource(kind);
}

/** Looks the resources up in discovery; throws NotFound when the snapshot API is not served. */
export function csiResources(catalog: ResourceCatalog): CsiResources {
  return {
    volumeSnapshots: need(catalog.forKind(SNAPSHOT_GROUP, 'VolumeSnapshot'), 'VolumeSnapshots'),
    volumeSnapshotContents: need(
      catalog.forKind(SNAPSHOT_GROUP, 'VolumeSnapshotContent'),
      'VolumeSnapshotContents',
    ),
    volumeSnapshotClasses: need(
      catalog.forKind(SNAPSHOT_GROUP, 'VolumeSnapshotClass'),
      'VolumeSnapshotClasses',
    ),
    persistentVolumeClaims: need(catalog.forKind('', 'PersistentVolumeClaim'), 'PersistentVolumeClaims'),
    dataUploads: lifeboat(catalog, 'DataUpload'),
    dataDownloads: lifeboat(catalog, 'DataDownload'),
    backups: lifeboat(catalog, 'Backup'),
  };
}
