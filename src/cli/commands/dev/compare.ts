import type { ApiResourceInfo, DynamicClient, KubeObject, ResourceCatalog } from '../../../kube/types.ts';

/**
 * Round-trip checks for the demo and the end-to-end tests: a snapshot of the objects in some namespaces,
 * normalized so that what the API server or a restore legitimately changes (identity, versions, timestamps,
 * status, addresses the server assigns, the labels a restore adds) does not count, compared with another.
 */

/** `resource.group/namespace/name` → the object as listed. */
export type Snapshot = Map<string, KubeObject>;

/** Resources whose objects are made by controllers or the API server, not by whoever deployed the app. */
const GENERATED = new Set([
  'events',
  'events.events.k8s.io',
  'endpoints',
  'endpointslices.discovery.k8s.io',
  'leases.coordination.k8s.io',
  'controllerrevisions.apps',
  'pods',
  'replicasets.apps',
]);

/** Labels a restore adds to every object it creates. */
const RESTORE_LABELS = ['lifeboat.io/backup-name', 'lifeboat.io/restore-name'];

const METADATA_DROPPED = [
  'uid',
  'resourceVersion',
  'creationTimestamp',
  'managedFields',
  'generation',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
];

/** What binding and provisioning controllers write on a claim. */
const PROVISIONING_ANNOTATIONS = [
  'pv.kubernetes.io/bind-completed',
  'pv.kubernetes.io/bound-by-controller',
  'volume.kubernetes.io/selected-node',
  'volume.kubernetes.io/storage-provisioner',
  'volume.beta.kubernetes.io/storage-provisioner',
];

export interface SnapshotOptions {
  /** Also take these generated resources (pods, replicasets…); by default only what a user deploys. */
  includeGenerated?: boolean;
  /** Cluster-scoped objects to add by `resource.group` and name, e.g. the app's CRD. */
  clusterObjects?: readonly { resource: string; name: string }[];
}

export function snapshotKey(resource: ApiResourceInfo, namespace: string | undefined, name: string): string {
  return `${resource.groupResource}/${namespace ?? ''}/${name}`;
}

/**
 * Lists every listable namespaced resource in `namespaces` (plus the Namespace objects themselves and the
 * named cluster objects). Generated objects are left out unless asked for: their names are random and their
 * controllers remake them.
 */
export async function takeSnapshot(
  client: DynamicClient,
  catalog: ResourceCatalog,
  namespaces: readonly string[],
  options: SnapshotOptions = {},
): Promise<Snapshot> {
  const snapshot: Snapshot = new Map();
  const namespaceResource = catalog.resolve('namespaces');
  for (const ns of namespaces) {
    const object = namespaceResource ? await client.get(namespaceResource, undefined, ns) : undefined;
    if (namespaceResource && object) snapshot.set(snapshotKey(namespaceResource, undefined, ns), object);
  }
  for (const wanted of options.clusterObjects ?? []) {
    const resource = catalog.resolve(wanted.resource);
    const object = resource ? await client.get(resource, undefined, wanted.name) : undefined;
    if (resource && object) snapshot.set(snapshotKey(resource, undefined, wanted.name), object);
  }
  const resources = catalog
    .preferred()
    .filter((r) => r.namespaced && r.verbs.includes('list'))
    .filter((r) => options.includeGenerated || !GENERATED.has(r.groupResource));
  for (const resource of resources)
    for (const ns of namespaces)
      for await (const page of client.listPages(resource, { namespace: ns }))
        for (const item of page.items)
          snapshot.set(snapshotKey(resource, ns, item.metadata?.name ?? ''), item);
  return snapshot;
}

/**
 * The object as it should come back from a restore: no identity, versions, timestamps or status; no
 * addresses the server assigns; no restore labels; owners by kind and name; namespaces mapped.
 */
export function normalize(object: KubeObject, mapping: Readonly<Record<string, string>> = {}): KubeObject {
  const copy = structuredClone(object);
  normalizeMetadata(copy, mapping);
  delete copy.status;
  KIND_NORMALIZERS[copy.kind ?? '']?.(copy, mapping);
  return sortKeys(copy) as KubeObject;
}

type Spec = Record<string, unknown>;

function normalizeMetadata(copy: KubeObject, mapping: Readonly<Record<string, string>>): void {
  const metadata = copy.metadata ?? {};
  for (const field of METADATA_DROPPED) delete metadata[field];
  if (metadata.namespace) metadata.namespace = mapping[metadata.namespace] ?? metadata.namespace;
  if (metadata.labels) {
    for (const label of RESTORE_LABELS) delete metadata.labels[label];
    if (Object.keys(metadata.labels).length === 0) delete metadata.labels;
  }
  if (metadata.ownerReferences)
    metadata.ownerReferences = metadata.ownerReferences.map(({ apiVersion, kind, name }) => ({
      apiVersion,
      kind,
      name,
      uid: '',
    }));
}

function mapSubjects(copy: KubeObject, mapping: Readonly<Record<string, string>>): void {
  for (const subject of (copy.subjects as { kind?: string; namespace?: string }[] | undefined) ?? [])
    if (subject.kind === 'ServiceAccount' && subject.namespace)
      subject.namespace = mapping[subject.namespace] ?? subject.namespace;
}

/** What each kind's server, controllers or restore actions legitimately change. */
const KIND_NORMALIZERS: Record<
  string,
  (copy: KubeObject, mapping: Readonly<Record<string, string>>) => void
> = {
  Namespace(copy, mapping) {
    const metadata = copy.metadata ?? {};
    if (metadata.name) metadata.name = mapping[metadata.name] ?? metadata.name;
    const own = metadata.labels?.['kubernetes.io/metadata.name'];
    if (metadata.labels && own) metadata.labels['kubernetes.io/metadata.name'] = mapping[own] ?? own;
  },
  Service(copy) {
    const spec = (copy.spec ?? {}) as Spec;
    // Cluster IPs are assigned by the server (a headless "None" is the user's choice and stays).
    if (spec.clusterIP !== 'None') {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    for (const port of (spec.ports as Spec[] | undefined) ?? []) delete port.nodePort;
  },
  ServiceAccount(copy) {
    delete copy.secrets;
  },
  Pod(copy) {
    delete ((copy.spec ?? {}) as Spec).nodeName;
  },
  RoleBinding: mapSubjects,
  ClusterRoleBinding: mapSubjects,
  PersistentVolumeClaim(copy) {
    // Without volume data (a later issue) a restored claim gets a newly provisioned volume.
    delete ((copy.spec ?? {}) as Spec).volumeName;
    const annotations = copy.metadata?.annotations;
    if (!annotations) return;
    for (const annotation of PROVISIONING_ANNOTATIONS) delete annotations[annotation];
    if (Object.keys(annotations).length === 0) delete copy.metadata?.annotations;
  },
};

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  return value;
}

/** Dotted paths (at most `limit`) where two normalized values differ. */
export function differences(a: unknown, b: unknown, limit = 5, path = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const bothObjects =
    a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b);
  if (!bothObjects) return [path || '(whole object)'];
  const out: string[] = [];
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  for (const key of new Set([...Object.keys(left), ...Object.keys(right)])) {
    if (out.length >= limit) break;
    out.push(...differences(left[key], right[key], limit - out.length, path ? `${path}.${key}` : key));
  }
  return out;
}

export interface ObjectMismatch {
  key: string;
  /** Where the restored object differs (dotted paths), or empty when it is missing. */
  paths: string[];
}

export interface Comparison {
  /** How many objects were expected (every object of `before`). */
  expected: number;
  matched: number;
  missing: ObjectMismatch[];
  differing: ObjectMismatch[];
  /** Expected objects by resource: `{ 'deployments.apps': 2, … }`. */
  byResource: Record<string, number>;
}

/** Maps a snapshot key's namespace (and a Namespace's own name) through `mapping`. */
function mappedKey(key: string, mapping: Readonly<Record<string, string>>): string {
  const [resource, ns, ...rest] = key.split('/');
  const name = rest.join('/');
  if (resource === 'namespaces') return `${resource}/${ns}/${mapping[name] ?? name}`;
  return `${resource}/${mapping[ns] ?? ns}/${name}`;
}

/**
 * Checks that every object of `before` is in `after` (under `mapping`) and equal once both are normalized.
 * Objects only in `after` are not an error: a restore may legitimately add to what was there.
 */
export function compareSnapshots(
  before: Snapshot,
  after: Snapshot,
  mapping: Readonly<Record<string, string>> = {},
): Comparison {
  const result: Comparison = {
    expected: before.size,
    matched: 0,
    missing: [],
    differing: [],
    byResource: {},
  };
  for (const [key, object] of before) {
    const resource = key.split('/')[0];
    result.byResource[resource] = (result.byResource[resource] ?? 0) + 1;
    const restored = after.get(mappedKey(key, mapping));
    if (!restored) {
      result.missing.push({ key, paths: [] });
      continue;
    }
    const paths = differences(normalize(object, mapping), normalize(restored));
    if (paths.length === 0) result.matched++;
    else result.differing.push({ key, paths });
  }
  return result;
}
