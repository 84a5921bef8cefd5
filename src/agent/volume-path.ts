import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { LifeboatError } from '../core/errors.ts';
import type { ApiResourceInfo, DynamicClient, KubeObject } from '../kube/types.ts';

export const PODS: ApiResourceInfo = coreResource('pods', 'Pod', true);
export const PVCS: ApiResourceInfo = coreResource('persistentvolumeclaims', 'PersistentVolumeClaim', true);
export const PVS: ApiResourceInfo = coreResource('persistentvolumes', 'PersistentVolume', false);

type PodVolumeSpec = {
  name: string;
  emptyDir?: unknown;
  hostPath?: { path: string };
  persistentVolumeClaim?: { claimName: string };
};
type PvSpec = { csi?: unknown; hostPath?: { path: string }; local?: { path: string } };

/** The volume plugin directories of the kubelet, `/` written as `~` as the kubelet does. */
const PLUGINS = {
  emptyDir: 'kubernetes.io~empty-dir',
  csi: 'kubernetes.io~csi',
  local: 'kubernetes.io~local-volume',
} as const;

export interface ResolvedVolume {
  /** The directory holding the volume's data, symlinks resolved. */
  path: string;
  /** The claim behind the volume, when it is a persistent volume. */
  pvc?: KubeObject;
}

/**
 * Where a pod volume's data is on this node, read the way a real node agent reads it through its hostPath
 * mount of the kubelet's directory: `<hostRoot>/var/lib/kubelet/pods/<pod-uid>/volumes/<plugin>/<dir>`,
 * with `<dir>` the pod volume's name for emptyDir, and the PV's name for persistent volumes (CSI volumes
 * under `<pv>/mount`, followed if it is a symlink, as on kubesim). hostPath volumes and hostPath PVs are
 * node paths under `hostRoot`. Other volume types (configMap, secret, projected…) are not backed up:
 * `Invalid`. A claim not bound yet is `Unavailable` (retryable).
 */
export async function resolvePodVolume(
  client: DynamicClient,
  hostRoot: string,
  pod: KubeObject,
  volumeName: string,
): Promise<ResolvedVolume> {
  const uid = pod.metadata?.uid ?? '';
  const podDir = join(hostRoot, 'var', 'lib', 'kubelet', 'pods', uid, 'volumes');
  const volumes = ((pod.spec as { volumes?: PodVolumeSpec[] } | undefined)?.volumes ?? []) as PodVolumeSpec[];
  const volume = volumes.find((v) => v.name === volumeName);
  const where = `pod ${pod.metadata?.namespace}/${pod.metadata?.name}`;
  if (!volume) throw new LifeboatError('NotFound', `${where} has no volume ${volumeName}`);
  if (volume.emptyDir !== undefined) return { path: await real(join(podDir, PLUGINS.emptyDir, volumeName)) };
  if (volume.hostPath) return { path: await real(join(hostRoot, volume.hostPath.path)) };
  if (volume.persistentVolumeClaim) {
    const claim = volume.persistentVolumeClaim.claimName;
    const pvc = await client.get(PVCS, pod.metadata?.namespace, claim);
    if (!pvc) throw new LifeboatError('NotFound', `${where}: claim ${claim} does not exist`);
    const pvName = (pvc.spec as { volumeName?: string } | undefined)?.volumeName;
    if (!pvName)
      throw new LifeboatError('Unavailable', `${where}: claim ${claim} is not bound yet`, {
        retryable: true,
      });
    const pv = await client.get(PVS, undefined, pvName);
    if (!pv)
      throw new LifeboatError('NotFound', `${where}: volume ${pvName} of claim ${claim} does not exist`);
    const spec = (pv.spec ?? {}) as PvSpec;
    if (spec.csi) return { path: await real(join(podDir, PLUGINS.csi, pvName, 'mount')), pvc };
    if (spec.hostPath) return { path: await real(join(hostRoot, spec.hostPath.path)), pvc };
    if (spec.local) return { path: await real(join(podDir, PLUGINS.local, pvName)), pvc };
    throw new LifeboatError('Invalid', `${where}: volume ${pvName} is of a type the node agent cannot read`);
  }
  throw new LifeboatError(
    'Invalid',
    `${where}: volume ${volumeName} is of a type the node agent does not back up`,
  );
}

async function real(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (err) {
    throw new LifeboatError('Unavailable', `volume directory ${path} is not on this node (yet)`, {
      cause: err,
      retryable: true,
    });
  }
}

function coreResource(resource: string, kind: string, namespaced: boolean): ApiResourceInfo {
  return {
    group: '',
    version: 'v1',
    groupVersion: 'v1',
    resource,
    singular: kind.toLowerCase(),
    kind,
    namespaced,
    shortNames: [],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    categories: [],
    preferredVersion: 'v1',
    groupResource: resource,
  };
}
