import { installAnnotations, installLabels } from './labels.ts';
import type { InstallObject, InstallRenderer } from './render.ts';

/** The server's and the node agent's ServiceAccounts (and the name of their cluster roles). */
export const SERVER_ACCOUNT = 'lifeboat-server';
export const NODE_AGENT_ACCOUNT = 'lifeboat-node-agent';

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };

const READ = ['get', 'list', 'watch'];
const LIFEBOAT_GROUP = 'lifeboat.io';

/**
 * What the server may do cluster-wide; docs/rbac.md explains each rule (kept in the same order). Backup
 * reads every kind, restore creates any kind (and updates with `existingResourcePolicy: update`), but
 * nothing outside Lifeboat's own group and the snapshot objects it creates may be deleted.
 */
export const SERVER_CLUSTER_RULES: readonly Rule[] = [
  { apiGroups: [LIFEBOAT_GROUP], resources: ['*'], verbs: ['*'] },
  { apiGroups: ['*'], resources: ['*'], verbs: READ },
  { apiGroups: ['*'], resources: ['*'], verbs: ['create', 'update', 'patch'] },
  {
    apiGroups: ['snapshot.storage.k8s.io'],
    resources: ['volumesnapshots', 'volumesnapshotcontents'],
    verbs: ['delete'],
  },
  { apiGroups: [''], resources: ['pods/exec'], verbs: ['create', 'get'] },
  { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
];

/** What the server may do only in its own namespace: leader election. */
export const SERVER_NAMESPACE_RULES: readonly Rule[] = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
];

/**
 * The node agent reads pods and volumes and writes the status of the volume work assigned to its node; for
 * data movement it exposes a snapshot (content, claim and pod in the server's namespace) and hands the
 * restored volume over to the target claim.
 */
export const NODE_AGENT_CLUSTER_RULES: readonly Rule[] = [
  {
    apiGroups: [LIFEBOAT_GROUP],
    resources: [
      'podvolumebackups',
      'podvolumerestores',
      'datauploads',
      'datadownloads',
      'backuprepositories',
      'backupstoragelocations',
    ],
    verbs: READ,
  },
  {
    apiGroups: [LIFEBOAT_GROUP],
    resources: [
      'podvolumebackups',
      'podvolumebackups/status',
      'podvolumerestores',
      'podvolumerestores/status',
      'datauploads',
      'datauploads/status',
      'datadownloads',
      'datadownloads/status',
    ],
    verbs: ['update', 'patch'],
  },
  {
    apiGroups: [''],
    resources: ['pods', 'persistentvolumeclaims', 'persistentvolumes', 'nodes'],
    verbs: READ,
  },
  {
    apiGroups: ['snapshot.storage.k8s.io'],
    resources: ['volumesnapshots', 'volumesnapshotcontents'],
    verbs: READ,
  },
  { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
  {
    apiGroups: ['snapshot.storage.k8s.io'],
    resources: ['volumesnapshotcontents'],
    verbs: ['create', 'delete'],
  },
  { apiGroups: [''], resources: ['persistentvolumes'], verbs: ['patch', 'update'] },
  { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['create'] },
];

/** The node agent reads the repository password and the storage credentials in the server's namespace only. */
export const NODE_AGENT_NAMESPACE_RULES: readonly Rule[] = [
  { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
  { apiGroups: [''], resources: ['pods', 'persistentvolumeclaims'], verbs: ['create', 'delete'] },
  { apiGroups: ['snapshot.storage.k8s.io'], resources: ['volumesnapshots'], verbs: ['create', 'delete'] },
];

function account(name: string): InstallRenderer {
  return (values) => [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: {
        name,
        namespace: values.namespace,
        labels: installLabels(values),
        annotations: installAnnotations(values),
      },
    },
  ];
}

function roles(
  name: string,
  clusterRules: readonly Rule[],
  namespaceRules: readonly Rule[],
): InstallRenderer {
  return (values) => {
    const metadata = (namespace?: string): InstallObject['metadata'] => ({
      // Cluster-wide names carry the namespace, so two installations do not share (and prune) one role.
      name: namespace ? name : `${name}-${values.namespace}`,
      ...(namespace ? { namespace } : {}),
      labels: installLabels(values),
      annotations: installAnnotations(values),
    });
    const subjects = [{ kind: 'ServiceAccount', name, namespace: values.namespace }];
    const rbac = 'rbac.authorization.k8s.io';
    return [
      {
        apiVersion: `${rbac}/v1`,
        kind: 'ClusterRole',
        metadata: metadata(),
        rules: clusterRules.map((r) => ({ ...r })),
      },
      {
        apiVersion: `${rbac}/v1`,
        kind: 'ClusterRoleBinding',
        metadata: metadata(),
        roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: `${name}-${values.namespace}` },
        subjects,
      },
      {
        apiVersion: `${rbac}/v1`,
        kind: 'Role',
        metadata: metadata(values.namespace),
        rules: namespaceRules.map((r) => ({ ...r })),
      },
      {
        apiVersion: `${rbac}/v1`,
        kind: 'RoleBinding',
        metadata: metadata(values.namespace),
        roleRef: { apiGroup: rbac, kind: 'Role', name },
        subjects,
      },
    ];
  };
}

/** The server's ServiceAccount, cluster role and namespace role with their bindings. */
export const renderServerRbac: InstallRenderer = (values) =>
  values.crdsOnly
    ? []
    : [
        ...account(SERVER_ACCOUNT)(values),
        ...roles(SERVER_ACCOUNT, SERVER_CLUSTER_RULES, SERVER_NAMESPACE_RULES)(values),
      ];

/** The node agent's, only when it is enabled. */
export const renderNodeAgentRbac: InstallRenderer = (values) =>
  values.crdsOnly || !values.nodeAgent.enabled
    ? []
    : [
        ...account(NODE_AGENT_ACCOUNT)(values),
        ...roles(NODE_AGENT_ACCOUNT, NODE_AGENT_CLUSTER_RULES, NODE_AGENT_NAMESPACE_RULES)(values),
      ];
