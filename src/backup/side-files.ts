import { gzipSync } from 'node:zlib';
import type { KubeObject } from '../kube/types.ts';

/**
 * The gzip JSON side files of a backup, encoded as Velero's `encode.ToJSONGzip` does: the JSON value, a
 * trailing newline, gzip. An empty Go slice encodes as `null`, which is what Velero writes for a backup
 * without pod volume backups, volume snapshots or item operations.
 */
export function gzipJson(value: unknown): Buffer {
  return gzipSync(`${JSON.stringify(value)}\n`);
}

/**
 * The resource list (`<B>-resource-list.json.gz`): `<groupVersion>/<Kind>` → sorted `ns/name` (or `name`
 * for cluster-scoped objects). Safe for concurrent writers of one process.
 */
export class ResourceListBuilder {
  readonly #lists = new Map<string, string[]>();

  add(groupVersion: string, kind: string, namespace: string | undefined, name: string): void {
    const key = `${groupVersion}/${kind}`;
    let list = this.#lists.get(key);
    if (!list) {
      list = [];
      this.#lists.set(key, list);
    }
    list.push(namespace ? `${namespace}/${name}` : name);
  }

  toJSON(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const key of [...this.#lists.keys()].sort()) out[key] = [...this.#lists.get(key)!].sort();
    return out;
  }
}

/** Why every volume is skipped until Lifeboat backs up volume data. */
export const VOLUME_DATA_SKIPPED_REASON = 'volume data is not backed up yet';

/** One entry of `<B>-volumeinfo.json.gz`, Velero's BackupVolumeInfo (the fields a skipped volume has). */
export interface BackupVolumeInfo {
  pvcName?: string;
  pvcNamespace?: string;
  pvName?: string;
  backupMethod: '' | 'NativeSnapshot' | 'PodVolumeBackup' | 'CSISnapshot';
  snapshotDataMoved: boolean;
  preserveLocalSnapshot: boolean;
  skipped: boolean;
  skippedReason?: string;
  pvInfo?: { reclaimPolicy?: string; labels?: Record<string, string> };
}

interface PvFacts {
  reclaimPolicy?: string;
  labels?: Record<string, string>;
  claim?: { namespace?: string; name?: string };
}

/**
 * Records the PVCs and PVs a backup holds and turns them into volume info: one entry per claim (with its
 * bound PV when that is in the backup too) and one per PV no backed-up claim points at. Every one is skipped
 * with `VOLUME_DATA_SKIPPED_REASON`: only API objects are backed up so far.
 */
export class VolumeInfoBuilder {
  readonly #claims = new Map<string, { namespace: string; name: string; volumeName?: string }>();
  readonly #volumes = new Map<string, PvFacts>();

  /** Feeds every item written; only PVCs and PVs are kept. */
  /** Whether `observe` reads items of this resource (it reads their specs). */
  static observes(groupResource: string): boolean {
    return groupResource === 'persistentvolumeclaims' || groupResource === 'persistentvolumes';
  }

  observe(groupResource: string, item: KubeObject): void {
    const name = item.metadata?.name;
    if (!name) return;
    if (groupResource === 'persistentvolumeclaims') {
      const namespace = item.metadata?.namespace ?? '';
      const volumeName = (item.spec as { volumeName?: string } | undefined)?.volumeName || undefined;
      this.#claims.set(`${namespace}/${name}`, { namespace, name, volumeName });
    } else if (groupResource === 'persistentvolumes') {
      const spec = item.spec as
        | { persistentVolumeReclaimPolicy?: string; claimRef?: { namespace?: string; name?: string } }
        | undefined;
      this.#volumes.set(name, {
        reclaimPolicy: spec?.persistentVolumeReclaimPolicy,
        labels: item.metadata?.labels,
        claim: spec?.claimRef,
      });
    }
  }

  /** Skipped-volume entries, claims first (sorted), then unclaimed PVs (sorted). */
  build(): BackupVolumeInfo[] {
    const out: BackupVolumeInfo[] = [];
    const used = new Set<string>();
    for (const key of [...this.#claims.keys()].sort()) {
      const claim = this.#claims.get(key)!;
      const pv = claim.volumeName ? this.#volumes.get(claim.volumeName) : undefined;
      if (pv && claim.volumeName) used.add(claim.volumeName);
      out.push({
        pvcName: claim.name,
        pvcNamespace: claim.namespace,
        pvName: claim.volumeName,
        ...skipped(),
        ...(pv ? { pvInfo: { reclaimPolicy: pv.reclaimPolicy, labels: pv.labels } } : {}),
      });
    }
    for (const name of [...this.#volumes.keys()].sort()) {
      if (used.has(name)) continue;
      const pv = this.#volumes.get(name)!;
      out.push({
        pvcName: pv.claim?.name,
        pvcNamespace: pv.claim?.namespace,
        pvName: name,
        ...skipped(),
        pvInfo: { reclaimPolicy: pv.reclaimPolicy, labels: pv.labels },
      });
    }
    return out;
  }
}

function skipped(): Pick<
  BackupVolumeInfo,
  'backupMethod' | 'snapshotDataMoved' | 'preserveLocalSnapshot' | 'skipped' | 'skippedReason'
> {
  return {
    backupMethod: '',
    snapshotDataMoved: false,
    preserveLocalSnapshot: false,
    skipped: true,
    skippedReason: VOLUME_DATA_SKIPPED_REASON,
  };
}
