import { join } from 'node:path';
import type { KubeObject } from '../registry/types.ts';
import type { ContainerMounts, PodMount } from '../runtime/types.ts';

/**
 * The kubelet's on-disk layout, as on a real node, under a simulated node's host root:
 *
 *   <root>/var/lib/kubelet/pods/<pod-uid>/volumes/<plugin>/<volume>/
 *
 * with `<plugin>` the volume plugin's name with `/` written as `~` (`kubernetes.io~empty-dir`,
 * `kubernetes.io~configmap`, `kubernetes.io~secret`, `kubernetes.io~projected`, `kubernetes.io~downward-api`,
 * `kubernetes.io~csi`). A persistent volume's directory is named after the PV, not the pod volume: CSI
 * volumes live in `kubernetes.io~csi/<pv-name>/mount` (beside `vol_data.json`). A real kubelet bind-mounts
 * the CSI volume there; kubesim cannot (no privileges assumed), so `mount` is a symlink to the volume's
 * backing directory. A node agent reading volume data must resolve it (follow the symlink, or open the path
 * with a trailing `/`) — the same code then works on a real node, where `mount` is a directory.
 *
 * `hostPath` volumes (and hostPath/local PVs) are paths on the node, so they resolve under the node root:
 * a node agent's `hostPath: /var/lib/kubelet/pods` sees exactly the layout above.
 */

export const PLUGIN_DIRS = {
  emptyDir: 'kubernetes.io~empty-dir',
  configMap: 'kubernetes.io~configmap',
  secret: 'kubernetes.io~secret',
  projected: 'kubernetes.io~projected',
  downwardAPI: 'kubernetes.io~downward-api',
  csi: 'kubernetes.io~csi',
  local: 'kubernetes.io~local-volume',
} as const;

export function kubeletPodDir(nodeRoot: string, podUid: string): string {
  return join(nodeRoot, 'var', 'lib', 'kubelet', 'pods', podUid);
}

/** `<root>/var/lib/kubelet/pods/<uid>/volumes/<plugin>/<volume>`; the plugin may be given as `kubernetes.io/csi` or `kubernetes.io~csi`. */
export function podVolumeDir(
  nodeRoot: string,
  podUid: string,
  volumePluginDir: string,
  volumeName: string,
): string {
  return join(kubeletPodDir(nodeRoot, podUid), 'volumes', volumePluginDir.replaceAll('/', '~'), volumeName);
}

/** A path on the simulated node's file system. */
export function nodePath(nodeRoot: string, path: string): string {
  return join(nodeRoot, path);
}

export type PodVolume = {
  name: string;
  emptyDir?: unknown;
  configMap?: unknown;
  secret?: unknown;
  projected?: unknown;
  downwardAPI?: unknown;
  hostPath?: { path: string; type?: string };
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  csi?: unknown;
  ephemeral?: unknown;
};

type PvSpec = { csi?: { volumeHandle: string }; hostPath?: { path: string }; local?: { path: string } };

/**
 * Where a pod volume's data is on the node (what a container's mount shows), or `undefined` when the kubelet
 * cannot place it yet (an unbound claim) or kubesim does not support the volume type. `claims` maps claim
 * names to their bound PersistentVolumes.
 */
export function volumeHostPath(
  pod: KubeObject,
  volume: PodVolume,
  nodeRoot: string,
  claims: ReadonlyMap<string, KubeObject> = new Map(),
): string | undefined {
  const uid = pod.metadata.uid!;
  if (volume.emptyDir !== undefined) return podVolumeDir(nodeRoot, uid, PLUGIN_DIRS.emptyDir, volume.name);
  if (volume.configMap !== undefined) return podVolumeDir(nodeRoot, uid, PLUGIN_DIRS.configMap, volume.name);
  if (volume.secret !== undefined) return podVolumeDir(nodeRoot, uid, PLUGIN_DIRS.secret, volume.name);
  if (volume.projected !== undefined) return podVolumeDir(nodeRoot, uid, PLUGIN_DIRS.projected, volume.name);
  if (volume.downwardAPI !== undefined)
    return podVolumeDir(nodeRoot, uid, PLUGIN_DIRS.downwardAPI, volume.name);
  if (volume.hostPath) return nodePath(nodeRoot, volume.hostPath.path);
  if (volume.persistentVolumeClaim) {
    const pv = claims.get(volume.persistentVolumeClaim.claimName);
    if (!pv) return undefined;
    const spec = (pv.spec ?? {}) as PvSpec;
    if (spec.csi) return join(podVolumeDir(nodeRoot, uid, PLUGIN_DIRS.csi, pv.metadata.name!), 'mount');
    if (spec.hostPath) return nodePath(nodeRoot, spec.hostPath.path);
    if (spec.local) return podVolumeDir(nodeRoot, uid, PLUGIN_DIRS.local, pv.metadata.name!);
  }
  return undefined;
}

type VolumeMount = { name: string; mountPath: string; readOnly?: boolean; subPath?: string };
type Container = { name: string; volumeMounts?: VolumeMount[] };

const READ_ONLY_SOURCES: (keyof PodVolume)[] = ['configMap', 'secret', 'projected', 'downwardAPI'];

/**
 * Each container's mounts (init containers included) as host directories: what the runtime shows the
 * container at its mount paths. ConfigMap, Secret, projected and downward API volumes are read-only, as on
 * a real kubelet. Mounts of volumes that cannot be placed are left out.
 */
export function podMounts(
  pod: KubeObject,
  nodeRoot: string,
  claims: ReadonlyMap<string, KubeObject> = new Map(),
): ContainerMounts {
  const spec = (pod.spec ?? {}) as {
    volumes?: PodVolume[];
    containers?: Container[];
    initContainers?: Container[];
  };
  const volumes = new Map((spec.volumes ?? []).map((v) => [v.name, v]));
  const result: ContainerMounts = {};
  for (const container of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    const mounts: PodMount[] = [];
    for (const m of container.volumeMounts ?? []) {
      const volume = volumes.get(m.name);
      if (!volume) continue;
      const base = volumeHostPath(pod, volume, nodeRoot, claims);
      if (!base) continue;
      const readOnly =
        Boolean(m.readOnly) ||
        Boolean(volume.persistentVolumeClaim?.readOnly) ||
        READ_ONLY_SOURCES.some((k) => volume[k] !== undefined);
      mounts.push({
        volume: m.name,
        hostPath: m.subPath ? join(base, m.subPath) : base,
        mountPath: m.mountPath,
        readOnly,
        ...(m.subPath ? { subPath: m.subPath } : {}),
      });
    }
    result[container.name] = mounts;
  }
  return result;
}
