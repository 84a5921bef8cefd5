import { randomBytes } from 'node:crypto';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CLUSTER_CA_PEM } from '../cluster/namespace.ts';
import { isNotFound } from '../cluster/runtime/api-errors.ts';
import type { ClusterContext } from '../cluster/runtime/context.ts';
import { csiVolumeDir } from '../csi/paths.ts';
import type { KubeObject } from '../registry/types.ts';
import { type Payload, writeAtomically } from './atomic-writer.ts';
import { nodePath, PLUGIN_DIRS, type PodVolume, podVolumeDir } from './layout.ts';

type KeyToPath = { key: string; path: string; mode?: number };
type ObjectSource = { name?: string; items?: KeyToPath[]; optional?: boolean; defaultMode?: number };
type FieldItem = { path: string; fieldRef?: { fieldPath: string }; mode?: number };
type ProjectionSource = {
  serviceAccountToken?: { path: string; expirationSeconds?: number; audience?: string };
  configMap?: ObjectSource;
  secret?: ObjectSource;
  downwardAPI?: { items?: FieldItem[] };
};
type Volume = PodVolume & {
  configMap?: ObjectSource;
  secret?: ObjectSource & { secretName?: string };
  projected?: { sources?: ProjectionSource[]; defaultMode?: number };
  downwardAPI?: { items?: FieldItem[]; defaultMode?: number };
};

/** Why a pod cannot start yet, in the words of the kubelet's FailedMount events. */
export class VolumeNotReady extends Error {}

const DEFAULT_MODE = 0o644;
const B64URL = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

function entries(
  data: Record<string, Buffer>,
  source: ObjectSource,
  defaultMode: number,
  what: string,
): Payload {
  if (source.items?.length) {
    return source.items.map((item) => {
      const content = data[item.key];
      if (!content) throw new VolumeNotReady(`couldn't find key ${item.key} in ${what}`);
      return { path: item.path, content, mode: item.mode ?? defaultMode };
    });
  }
  return Object.entries(data).map(([key, content]) => ({ path: key, content, mode: defaultMode }));
}

function fieldValue(pod: KubeObject, fieldPath: string): string {
  const m = pod.metadata;
  const labelsOrAnnotations = (map: Record<string, string> | undefined): string =>
    Object.entries(map ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}="${v}"`)
      .join('\n');
  switch (fieldPath) {
    case 'metadata.name':
      return m.name ?? '';
    case 'metadata.namespace':
      return m.namespace ?? '';
    case 'metadata.uid':
      return m.uid ?? '';
    case 'metadata.labels':
      return labelsOrAnnotations(m.labels);
    case 'metadata.annotations':
      return labelsOrAnnotations(m.annotations);
    default:
      return '';
  }
}

/**
 * Materialises a pod's volumes in the kubelet layout under the node root, as a kubelet's volume manager
 * does before containers start: emptyDir directories; ConfigMap, Secret, projected (service-account token,
 * `ca.crt`, namespace) and downward API files written atomically; hostPath directories created under the
 * node root; CSI volumes as `kubernetes.io~csi/<pv>/mount` → the volume's backing directory (plus
 * `vol_data.json`). Throws `VolumeNotReady` while something the pod needs is missing.
 */
export async function prepareVolumes(
  ctx: ClusterContext,
  pod: KubeObject,
  nodeName: string,
  nodeRoot: string,
  claims: ReadonlyMap<string, KubeObject>,
): Promise<void> {
  const m: Mount = { ctx, pod, nodeName, nodeRoot, claims, now: ctx.clock.now() };
  for (const volume of (pod.spec as { volumes?: Volume[] }).volumes ?? []) {
    const mounter = MOUNTERS.find(([source]) => volume[source] !== undefined);
    if (mounter) await mounter[1](m, volume);
  }
}

type Mount = {
  ctx: ClusterContext;
  pod: KubeObject;
  nodeName: string;
  nodeRoot: string;
  claims: ReadonlyMap<string, KubeObject>;
  now: Date;
};

const dirOf = (m: Mount, plugin: string, volume: Volume): string =>
  podVolumeDir(m.nodeRoot, m.pod.metadata.uid!, plugin, volume.name);

/** A ConfigMap's or Secret's data as bytes; undefined when it is missing and optional. */
function objectData(
  m: Mount,
  kind: 'configmap' | 'secret',
  name: string,
  optional?: boolean,
): Record<string, Buffer> | undefined {
  const namespace = m.pod.metadata.namespace!;
  try {
    const out: Record<string, Buffer> = {};
    if (kind === 'configmap') {
      const cm = m.ctx.api.get(m.ctx.refs.configMaps, namespace, name);
      for (const [k, v] of Object.entries((cm.data ?? {}) as Record<string, string>)) out[k] = Buffer.from(v);
      for (const [k, v] of Object.entries((cm.binaryData ?? {}) as Record<string, string>)) {
        out[k] = Buffer.from(v, 'base64');
      }
      return out;
    }
    const secret = m.ctx.api.get(m.ctx.refs.secrets, namespace, name);
    for (const [k, v] of Object.entries((secret.data ?? {}) as Record<string, string>)) {
      out[k] = Buffer.from(v, 'base64');
    }
    return out;
  } catch (err) {
    if (!isNotFound(err)) throw err;
    if (optional) return undefined;
    throw new VolumeNotReady(`${kind} "${name}" not found`);
  }
}

function fieldItems(m: Mount, items: FieldItem[] | undefined, mode: number): Payload {
  return (items ?? []).map((item) => ({
    path: item.path,
    content: Buffer.from(fieldValue(m.pod, item.fieldRef?.fieldPath ?? '')),
    mode: item.mode ?? mode,
  }));
}

function projectedPayload(m: Mount, volume: Volume): Payload {
  const payload: Payload = [];
  const mode = volume.projected?.defaultMode ?? DEFAULT_MODE;
  for (const source of volume.projected?.sources ?? []) {
    if (source.serviceAccountToken) {
      const token = serviceAccountToken(m.pod, m.nodeName, source.serviceAccountToken, m.now);
      payload.push({ path: source.serviceAccountToken.path, content: Buffer.from(token), mode });
    } else if (source.configMap) {
      const name = source.configMap.name ?? '';
      // The root CA is the same everywhere; reading it needs no API round trip.
      const data =
        name === 'kube-root-ca.crt'
          ? { 'ca.crt': Buffer.from(CLUSTER_CA_PEM) }
          : (objectData(m, 'configmap', name, source.configMap.optional) ?? {});
      payload.push(...entries(data, source.configMap, mode, `configmap "${name}"`));
    } else if (source.secret) {
      const data = objectData(m, 'secret', source.secret.name ?? '', source.secret.optional) ?? {};
      payload.push(...entries(data, source.secret, mode, `secret "${source.secret.name}"`));
    } else if (source.downwardAPI) {
      payload.push(...fieldItems(m, source.downwardAPI.items, mode));
    }
  }
  return payload;
}

type Mounter = (m: Mount, volume: Volume) => Promise<void>;

const MOUNTERS: [keyof Volume, Mounter][] = [
  [
    'emptyDir',
    async (m, v) => void (await mkdir(dirOf(m, PLUGIN_DIRS.emptyDir, v), { recursive: true, mode: 0o777 })),
  ],
  [
    'configMap',
    async (m, v) => {
      const source = v.configMap!;
      const data = objectData(m, 'configmap', source.name ?? '', source.optional) ?? {};
      const payload = entries(data, source, source.defaultMode ?? DEFAULT_MODE, `configmap "${source.name}"`);
      await writeAtomically(dirOf(m, PLUGIN_DIRS.configMap, v), payload, m.now);
    },
  ],
  [
    'secret',
    async (m, v) => {
      const source = v.secret!;
      const data = objectData(m, 'secret', source.secretName ?? '', source.optional) ?? {};
      const payload = entries(
        data,
        source,
        source.defaultMode ?? DEFAULT_MODE,
        `secret "${source.secretName}"`,
      );
      await writeAtomically(dirOf(m, PLUGIN_DIRS.secret, v), payload, m.now);
    },
  ],
  ['projected', (m, v) => writeAtomically(dirOf(m, PLUGIN_DIRS.projected, v), projectedPayload(m, v), m.now)],
  [
    'downwardAPI',
    (m, v) =>
      writeAtomically(
        dirOf(m, PLUGIN_DIRS.downwardAPI, v),
        fieldItems(m, v.downwardAPI?.items, v.downwardAPI?.defaultMode ?? DEFAULT_MODE),
        m.now,
      ),
  ],
  [
    'hostPath',
    async (m, v) => {
      const path = nodePath(m.nodeRoot, v.hostPath!.path);
      const type = v.hostPath!.type ?? '';
      if (type === 'FileOrCreate') {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, '', { flag: 'a' });
      } else if (type === '' || type === 'DirectoryOrCreate' || type === 'Directory') {
        await mkdir(path, { recursive: true });
      }
    },
  ],
  [
    'persistentVolumeClaim',
    async (m, v) => {
      const claim = v.persistentVolumeClaim!.claimName;
      const pv = m.claims.get(claim);
      if (!pv) throw new VolumeNotReady(`persistentvolumeclaim "${claim}" is not bound`);
      await mountPersistentVolume(m.ctx, m.pod, pv, m.nodeRoot);
    },
  ],
];

async function mountPersistentVolume(
  ctx: ClusterContext,
  pod: KubeObject,
  pv: KubeObject,
  nodeRoot: string,
): Promise<void> {
  const spec = (pv.spec ?? {}) as {
    csi?: { driver: string; volumeHandle: string };
    hostPath?: { path: string };
    local?: { path: string };
  };
  const uid = pod.metadata.uid!;
  if (spec.csi) {
    const dir = podVolumeDir(nodeRoot, uid, PLUGIN_DIRS.csi, pv.metadata.name!);
    const backing = csiVolumeDir(ctx.dataDir, spec.csi.volumeHandle);
    await mkdir(backing, { recursive: true });
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, 'vol_data.json'),
      JSON.stringify({
        attachmentID: '',
        driverName: spec.csi.driver,
        nodeName: (pod.spec as { nodeName?: string }).nodeName,
        specVolID: pv.metadata.name,
        volumeHandle: spec.csi.volumeHandle,
        volumeLifecycleMode: 'Persistent',
      }),
    );
    await replaceSymlink(backing, join(dir, 'mount'));
  } else if (spec.hostPath) {
    await mkdir(nodePath(nodeRoot, spec.hostPath.path), { recursive: true });
  } else if (spec.local) {
    const target = nodePath(nodeRoot, spec.local.path);
    await mkdir(target, { recursive: true });
    const link = podVolumeDir(nodeRoot, uid, PLUGIN_DIRS.local, pv.metadata.name!);
    await mkdir(dirname(link), { recursive: true });
    await replaceSymlink(target, link);
  }
}

async function replaceSymlink(target: string, link: string): Promise<void> {
  await rm(link, { force: true });
  await symlink(target, link, 'dir');
}

/**
 * A bound service-account token in the shape of the real one (a JWT with the `kubernetes.io` claims). kubesim
 * does not authenticate, so the signature is random; it is only as secret as it needs to be: never logged.
 */
function serviceAccountToken(
  pod: KubeObject,
  nodeName: string,
  source: { expirationSeconds?: number; audience?: string },
  now: Date,
): string {
  const iat = Math.floor(now.getTime() / 1000);
  const namespace = pod.metadata.namespace!;
  const account = (pod.spec as { serviceAccountName?: string }).serviceAccountName ?? 'default';
  const issuer = 'https://kubernetes.default.svc.cluster.local';
  const claims = {
    aud: [source.audience ?? issuer],
    exp: iat + (source.expirationSeconds ?? 3607),
    iat,
    iss: issuer,
    'kubernetes.io': {
      namespace,
      node: { name: nodeName },
      pod: { name: pod.metadata.name, uid: pod.metadata.uid },
      serviceaccount: { name: account },
    },
    nbf: iat,
    sub: `system:serviceaccount:${namespace}:${account}`,
  };
  return `${B64URL({ alg: 'RS256', kid: 'kubesim' })}.${B64URL(claims)}.${randomBytes(64).toString('base64url')}`;
}
