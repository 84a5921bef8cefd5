import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { LABELS } from '../../api/labels.ts';
import type { Backup } from '../../api/resources/backup.ts';
import type { Restore } from '../../api/resources/restore.ts';
import { systemClock } from '../../core/clock.ts';
import { waitUntil } from '../../kube/client.ts';
import type { ApiResourceInfo, DynamicClient, KubeObject, ResourceCatalog } from '../../kube/types.ts';
import { SNAPSHOT_API_VERSION } from './resources.ts';

/** A VolumeSnapshotClass of kubesim's hostpath driver labelled for Lifeboat, with a simulated latency. */
export function lifeboatSnapshotClass(name: string, latencyMs = 0): KubeObject {
  return {
    apiVersion: SNAPSHOT_API_VERSION,
    kind: 'VolumeSnapshotClass',
    metadata: { name, labels: { [LABELS.csiVolumeSnapshotClass]: 'true' } },
    driver: 'hostpath.csi.k8s.io',
    deletionPolicy: 'Delete',
    ...(latencyMs > 0
      ? { parameters: { 'kubesim.lifeboat.io/snapshot-latency-ms': String(latencyMs) } }
      : {}),
  };
}

/** A hostpath StorageClass that provisions at once (no consumer pod needed). */
export function immediateStorageClass(name: string): KubeObject {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name },
    provisioner: 'hostpath.csi.k8s.io',
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'Immediate',
  };
}

export function claim(namespace: string, name: string, storageClassName: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { namespace, name },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName, resources: { requests: { storage: '1Gi' } } },
  };
}

export function testBackup(
  name: string,
  spec: Partial<Backup['spec']> = {},
  annotations?: Record<string, string>,
): Backup {
  return {
    apiVersion: 'lifeboat.io/v1',
    kind: 'Backup',
    metadata: { name, namespace: 'lifeboat', uid: `uid-${name}`, ...(annotations ? { annotations } : {}) },
    spec: { storageLocation: 'default', ...spec },
  } as Backup;
}

export function testRestore(
  name: string,
  backupName: string,
  namespaceMapping?: Record<string, string>,
): Restore {
  return {
    apiVersion: 'lifeboat.io/v1',
    kind: 'Restore',
    metadata: { name, namespace: 'lifeboat', uid: `uid-${name}` },
    spec: { backupName, ...(namespaceMapping ? { namespaceMapping } : {}) },
  } as Restore;
}

export function resource(catalog: ResourceCatalog, name: string): ApiResourceInfo {
  const info = catalog.resolve(name);
  if (!info) throw new Error(`no resource ${name}`);
  return info;
}

/** Waits for a claim to be Bound and answers it with its PV. */
export async function boundClaim(
  client: DynamicClient,
  catalog: ResourceCatalog,
  namespace: string,
  name: string,
  timeoutMs = 20_000,
): Promise<{ pvc: KubeObject; pv: KubeObject }> {
  return waitUntil(
    `PVC ${namespace}/${name} bound`,
    async () => {
      const pvc = await client.get(resource(catalog, 'persistentvolumeclaims'), namespace, name);
      const volumeName = (pvc?.spec as { volumeName?: string } | undefined)?.volumeName;
      if (!pvc || (pvc.status as { phase?: string } | undefined)?.phase !== 'Bound' || !volumeName)
        return undefined;
      const pv = await client.get(resource(catalog, 'persistentvolumes'), undefined, volumeName);
      return pv ? { pvc, pv } : undefined;
    },
    { timeoutMs, intervalMs: 50, clock: systemClock },
  );
}

/** Every entry under a directory: relative path → type, mode and content digest (or link target). */
export function treeDigest(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const path = join(rel, name);
      const st = lstatSync(join(dir, path));
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) out[path] = `link ${readlinkSync(join(dir, path))}`;
      else if (st.isDirectory()) {
        out[path] = `dir ${mode}`;
        walk(path);
      } else
        out[path] = `file ${mode} ${st.size} ${createHash('sha256')
          .update(readFileSync(join(dir, path)))
          .digest('hex')}`;
    }
  };
  walk('');
  return out;
}
