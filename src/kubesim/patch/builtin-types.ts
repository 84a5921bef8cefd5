import {
  ATOMIC_MAP,
  atomicList,
  keyedList,
  mapOf,
  SCALAR,
  setList,
  struct,
  type TypeNode,
} from './type-node.ts';

/**
 * The merge behaviour of the built-in kinds kubesim serves, transcribed from the `patchStrategy` /
 * `patchMergeKey` struct tags (strategic merge patch) and `+listType` / `+listMapKey` / `+mapType` /
 * `+structType` markers (server-side apply) of k8s.io/api. Only lists and atomic structures need an entry:
 * every field not described here merges as an untyped map (key by key) or an atomic list, which is what the
 * real types do for them too.
 */

const PROTOCOL_KEY = { name: 'protocol', default: 'TCP' } as const;

const labelSelector = struct({}, { atomic: true });

/** `metav1.ObjectMeta`: owner references keyed by uid, finalizers a set. */
export const OBJECT_META: TypeNode = struct({
  labels: mapOf(SCALAR),
  annotations: mapOf(SCALAR),
  ownerReferences: keyedList(['uid']),
  finalizers: setList({ smpMerge: true }),
  managedFields: atomicList(),
});

const container = struct({
  command: atomicList(SCALAR),
  args: atomicList(SCALAR),
  ports: keyedList(['containerPort', PROTOCOL_KEY], undefined, { smpKey: 'containerPort' }),
  envFrom: atomicList(),
  env: keyedList(['name']),
  resources: struct({ claims: keyedList(['name'], undefined, { smp: false }) }),
  resizePolicy: atomicList(),
  volumeMounts: keyedList(['mountPath']),
  volumeDevices: keyedList(['devicePath']),
});

const podSpec = struct({
  volumes: keyedList(['name']),
  initContainers: keyedList(['name'], container),
  containers: keyedList(['name'], container),
  ephemeralContainers: keyedList(['name'], container),
  nodeSelector: ATOMIC_MAP,
  imagePullSecrets: keyedList(['name']),
  tolerations: atomicList(),
  hostAliases: keyedList(['ip'], struct({ hostnames: atomicList(SCALAR) })),
  readinessGates: atomicList(),
  topologySpreadConstraints: keyedList(['topologyKey', 'whenUnsatisfiable'], struct({ labelSelector }), {
    smpKey: 'topologyKey',
  }),
  schedulingGates: keyedList(['name']),
  resourceClaims: keyedList(['name']),
});

const podStatus = struct({
  conditions: keyedList(['type']),
  hostIPs: keyedList(['ip'], undefined, { ssaAtomic: true }),
  podIPs: keyedList(['ip']),
  initContainerStatuses: atomicList(),
  containerStatuses: atomicList(),
  ephemeralContainerStatuses: atomicList(),
  resourceClaimStatuses: keyedList(['name']),
});

const podTemplateSpec = struct({ metadata: OBJECT_META, spec: podSpec });

/** A `status` whose only special field is a `conditions` list keyed by type. */
const conditionsStatus = struct({ conditions: keyedList(['type']) });

const persistentVolumeClaimSpec = struct({ accessModes: atomicList(SCALAR), selector: labelSelector });

const jobSpec = struct({ selector: labelSelector, template: podTemplateSpec });

function object(fields: Record<string, TypeNode>): TypeNode {
  return struct({ metadata: OBJECT_META, ...fields });
}

function workload(specFields: Record<string, TypeNode> = {}): TypeNode {
  return object({
    spec: struct({ selector: labelSelector, template: podTemplateSpec, ...specFields }),
    status: conditionsStatus,
  });
}

const BUILTIN_TYPES = new Map<string, TypeNode>([
  ['Pod', object({ spec: podSpec, status: podStatus })],
  ['PodTemplate', object({ template: podTemplateSpec })],
  [
    'ReplicationController',
    object({ spec: struct({ selector: ATOMIC_MAP, template: podTemplateSpec }), status: conditionsStatus }),
  ],
  ['Deployment', workload()],
  ['ReplicaSet', workload()],
  ['DaemonSet', workload()],
  ['StatefulSet', workload({ volumeClaimTemplates: atomicList() })],
  [
    'Job',
    object({
      spec: jobSpec,
      status: struct({ conditions: keyedList(['type'], undefined, { ssaAtomic: true }) }),
    }),
  ],
  [
    'CronJob',
    object({
      spec: struct({ jobTemplate: struct({ metadata: OBJECT_META, spec: jobSpec }) }),
      status: struct({ active: atomicList() }),
    }),
  ],
  [
    'Service',
    object({
      spec: struct({
        ports: keyedList(['port', PROTOCOL_KEY], undefined, { smpKey: 'port' }),
        selector: ATOMIC_MAP,
        clusterIPs: atomicList(SCALAR),
        externalIPs: atomicList(SCALAR),
        loadBalancerSourceRanges: atomicList(SCALAR),
        ipFamilies: atomicList(SCALAR),
      }),
      status: struct({ conditions: keyedList(['type']), loadBalancer: struct({ ingress: atomicList() }) }),
    }),
  ],
  ['ServiceAccount', object({ secrets: keyedList(['name']), imagePullSecrets: atomicList() })],
  ['Endpoints', object({ subsets: atomicList() })],
  [
    'Node',
    object({
      spec: struct({ podCIDRs: setList({ smpMerge: true }), taints: atomicList() }),
      status: struct({
        conditions: keyedList(['type']),
        addresses: keyedList(['type']),
        images: atomicList(),
        volumesInUse: atomicList(SCALAR),
        volumesAttached: atomicList(),
      }),
    }),
  ],
  ['Namespace', object({ spec: struct({ finalizers: atomicList(SCALAR) }), status: conditionsStatus })],
  [
    'PersistentVolumeClaim',
    object({
      spec: persistentVolumeClaimSpec,
      status: struct({ accessModes: atomicList(SCALAR), conditions: keyedList(['type']) }),
    }),
  ],
  [
    'PersistentVolume',
    object({ spec: struct({ accessModes: atomicList(SCALAR), mountOptions: atomicList(SCALAR) }) }),
  ],
  ['LimitRange', object({ spec: struct({ limits: atomicList() }) })],
  ['ResourceQuota', object({ spec: struct({ scopes: atomicList(SCALAR) }) })],
  ['Role', object({ rules: atomicList() })],
  [
    'ClusterRole',
    object({ rules: atomicList(), aggregationRule: struct({ clusterRoleSelectors: atomicList() }) }),
  ],
  ['RoleBinding', object({ subjects: atomicList(), roleRef: struct({}, { atomic: true }) })],
  ['ClusterRoleBinding', object({ subjects: atomicList(), roleRef: struct({}, { atomic: true }) })],
  ['PodDisruptionBudget', object({ spec: struct({ selector: labelSelector }), status: conditionsStatus })],
  ['HorizontalPodAutoscaler', object({ status: conditionsStatus })],
  ['CustomResourceDefinition', object({ status: conditionsStatus })],
]);

/**
 * The merge schema of a built-in kind, or `undefined` for kinds without special lists (ConfigMap, Secret,
 * Event, …) and for custom resources, which then merge as untyped objects.
 */
export function builtinType(kind: string): TypeNode | undefined {
  return BUILTIN_TYPES.get(kind);
}

/** The schema every object shares: its `metadata`. Used for kinds without an entry of their own. */
export const GENERIC_OBJECT: TypeNode = object({});
