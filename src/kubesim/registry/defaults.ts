import {
  child,
  defaultPod,
  defaultPodSpec,
  defaultPodTemplate,
  isObject,
  type Json,
  list,
  setDefault,
} from './defaults/pod.ts';
import type { KubeObject, ResourceType } from './types.ts';

/**
 * The defaults a real API server adds on create, kind by kind (the `SetDefaults_*` functions of each API
 * group, plus the strategy and admission additions clients see, such as a namespace's `kubernetes`
 * finalizer or a Job's generated selector). Stateful additions (cluster IPs, node ports, the service
 * account token volume) belong to the store, not here.
 */

type Defaulter = (obj: KubeObject) => void;

function spec(obj: KubeObject): Json {
  return child(obj, 'spec');
}

function defaultReplicas(s: Json): void {
  setDefault(s, 'replicas', 1, false);
}

function deployment(obj: KubeObject): void {
  const s = spec(obj);
  defaultReplicas(s);
  const strategy = child(s, 'strategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const rolling = child(strategy, 'rollingUpdate');
    setDefault(rolling, 'maxUnavailable', '25%', false);
    setDefault(rolling, 'maxSurge', '25%', false);
  }
  setDefault(s, 'revisionHistoryLimit', 10, false);
  setDefault(s, 'progressDeadlineSeconds', 600, false);
  defaultPodTemplate(s.template);
}

function replicaSet(obj: KubeObject): void {
  const s = spec(obj);
  defaultReplicas(s);
  defaultPodTemplate(s.template);
}

function statefulSet(obj: KubeObject): void {
  const s = spec(obj);
  setDefault(s, 'podManagementPolicy', 'OrderedReady');
  const strategy = child(s, 'updateStrategy');
  if (strategy.type === undefined || strategy.type === '') {
    strategy.type = 'RollingUpdate';
    child(strategy, 'rollingUpdate');
  }
  if (strategy.type === 'RollingUpdate' && isObject(strategy.rollingUpdate)) {
    setDefault(strategy.rollingUpdate, 'partition', 0, false);
  }
  const retention = child(s, 'persistentVolumeClaimRetentionPolicy');
  setDefault(retention, 'whenDeleted', 'Retain');
  setDefault(retention, 'whenScaled', 'Retain');
  defaultReplicas(s);
  setDefault(s, 'revisionHistoryLimit', 10, false);
  defaultPodTemplate(s.template);
  for (const claim of list(s.volumeClaimTemplates)) {
    setDefault(claim, 'apiVersion', 'v1');
    setDefault(claim, 'kind', 'PersistentVolumeClaim');
    persistentVolumeClaim(claim as KubeObject);
  }
}

function daemonSet(obj: KubeObject): void {
  const s = spec(obj);
  const strategy = child(s, 'updateStrategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const rolling = child(strategy, 'rollingUpdate');
    setDefault(rolling, 'maxUnavailable', 1, false);
    setDefault(rolling, 'maxSurge', 0, false);
  }
  setDefault(s, 'revisionHistoryLimit', 10, false);
  defaultPodTemplate(s.template);
}

const JOB_NAME_LABELS = ['job-name', 'batch.kubernetes.io/job-name'];
const CONTROLLER_UID_LABELS = ['controller-uid', 'batch.kubernetes.io/controller-uid'];

/**
 * `SetDefaults_Job` and the strategy's generated selector: the pods' template gets the job-name and
 * controller-uid labels and `spec.selector` matches the uid, unless `manualSelector` is set. A Job without
 * labels of its own takes its template's (the real server shares the map, so it sees the added labels).
 */
function job(obj: KubeObject): void {
  const s = spec(obj);
  if (s.completions === undefined && s.parallelism === undefined) {
    s.completions = 1;
    s.parallelism = 1;
  }
  setDefault(s, 'parallelism', 1, false);
  setDefault(s, 'backoffLimit', s.backoffLimitPerIndex === undefined ? 6 : 2147483647, false);
  setDefault(s, 'completionMode', 'NonIndexed');
  setDefault(s, 'suspend', false, false);
  setDefault(s, 'podReplacementPolicy', s.podFailurePolicy === undefined ? 'TerminatingOrFailed' : 'Failed');
  const template = child(s, 'template');
  const templateMeta = child(template, 'metadata');
  const inheritLabels =
    isObject(templateMeta.labels) &&
    Object.keys(templateMeta.labels).length > 0 &&
    Object.keys(obj.metadata.labels ?? {}).length === 0;
  const uid = obj.metadata.uid;
  if (s.manualSelector !== true && typeof uid === 'string' && uid !== '') {
    const labels = child(templateMeta, 'labels');
    for (const key of JOB_NAME_LABELS) setDefault(labels, key, obj.metadata.name ?? '', false);
    for (const key of CONTROLLER_UID_LABELS) setDefault(labels, key, uid, false);
    const matchLabels = child(child(s, 'selector'), 'matchLabels');
    setDefault(matchLabels, 'batch.kubernetes.io/controller-uid', uid, false);
  }
  if (inheritLabels) obj.metadata.labels = { ...(templateMeta.labels as Record<string, string>) };
  defaultPodSpec(child(template, 'spec'));
}

function cronJob(obj: KubeObject): void {
  const s = spec(obj);
  setDefault(s, 'concurrencyPolicy', 'Allow');
  setDefault(s, 'suspend', false, false);
  setDefault(s, 'successfulJobsHistoryLimit', 3, false);
  setDefault(s, 'failedJobsHistoryLimit', 1, false);
  const jobTemplate = child(s, 'jobTemplate');
  defaultPodTemplate(child(jobTemplate, 'spec').template);
}

function replicationController(obj: KubeObject): void {
  const s = spec(obj);
  const template = isObject(s.template) ? s.template : undefined;
  const labels = template && isObject(template.metadata) ? template.metadata.labels : undefined;
  if (isObject(labels)) {
    if (!isObject(s.selector) || Object.keys(s.selector).length === 0) s.selector = { ...labels };
    if (Object.keys(obj.metadata.labels ?? {}).length === 0)
      obj.metadata.labels = { ...(labels as Record<string, string>) };
  }
  defaultReplicas(s);
  defaultPodTemplate(s.template);
}

function podTemplate(obj: KubeObject): void {
  defaultPodTemplate(child(obj, 'template'));
}

function service(obj: KubeObject): void {
  const s = spec(obj);
  setDefault(s, 'sessionAffinity', 'None');
  if (s.sessionAffinity === 'None') delete s.sessionAffinityConfig;
  setDefault(s, 'type', 'ClusterIP');
  for (const port of list(s.ports)) {
    setDefault(port, 'protocol', 'TCP');
    if (port.targetPort === undefined || port.targetPort === 0 || port.targetPort === '')
      port.targetPort = port.port;
  }
  const externalIPs = Array.isArray(s.externalIPs) ? s.externalIPs : [];
  const externallyAccessible =
    s.type === 'LoadBalancer' || s.type === 'NodePort' || (s.type === 'ClusterIP' && externalIPs.length > 0);
  if (externallyAccessible) setDefault(s, 'externalTrafficPolicy', 'Cluster');
  if (s.type !== 'ExternalName') {
    setDefault(s, 'internalTrafficPolicy', 'Cluster');
    // A headless service without a selector is dual-stack when the cluster allows; kubesim is IPv4 only.
    const selectorless = !isObject(s.selector) || Object.keys(s.selector).length === 0;
    setDefault(
      s,
      'ipFamilyPolicy',
      s.clusterIP === 'None' && selectorless ? 'RequireDualStack' : 'SingleStack',
    );
    setDefault(s, 'ipFamilies', ['IPv4'], false);
  }
  if (s.type === 'LoadBalancer') setDefault(s, 'allocateLoadBalancerNodePorts', true, false);
  const status = child(obj, 'status');
  child(status, 'loadBalancer');
}

function secret(obj: KubeObject): void {
  setDefault(obj, 'type', 'Opaque');
}

function persistentVolumeClaim(obj: KubeObject): void {
  setDefault(spec(obj), 'volumeMode', 'Filesystem');
  setDefault(child(obj, 'status'), 'phase', 'Pending');
}

function persistentVolume(obj: KubeObject): void {
  const s = spec(obj);
  // Dynamic provisioners write Delete (from the StorageClass) themselves; a bare PV keeps its data.
  setDefault(s, 'persistentVolumeReclaimPolicy', 'Retain');
  setDefault(s, 'volumeMode', 'Filesystem');
  setDefault(child(obj, 'status'), 'phase', 'Pending');
}

function namespace(obj: KubeObject): void {
  const s = spec(obj);
  const finalizers = Array.isArray(s.finalizers) ? (s.finalizers as string[]) : [];
  if (!finalizers.includes('kubernetes')) s.finalizers = [...finalizers, 'kubernetes'];
  setDefault(child(obj, 'status'), 'phase', 'Active');
  obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name ?? '' };
}

function endpoints(obj: KubeObject): void {
  for (const subset of list(obj.subsets))
    for (const port of list(subset.ports)) setDefault(port, 'protocol', 'TCP');
}

function limitRange(obj: KubeObject): void {
  for (const item of list(spec(obj).limits)) {
    if (item.type !== 'Container') continue;
    const fill = (target: string, from: unknown): void => {
      if (!isObject(from)) return;
      for (const [k, v] of Object.entries(from)) {
        const dest = child(item, target);
        setDefault(dest, k, v, false);
      }
    };
    fill('default', item.max);
    fill('defaultRequest', item.default);
    fill('defaultRequest', item.min);
  }
}

function networkPolicy(obj: KubeObject): void {
  const s = spec(obj);
  child(s, 'podSelector');
  for (const rule of [...list(s.ingress), ...list(s.egress)]) {
    for (const port of list(rule.ports)) setDefault(port, 'protocol', 'TCP');
  }
  if (!Array.isArray(s.policyTypes) || s.policyTypes.length === 0) {
    s.policyTypes = list(s.egress).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  }
}

function rbacSubjects(obj: KubeObject): void {
  for (const subject of list(obj.subjects)) {
    if (subject.apiGroup === undefined || subject.apiGroup === '') {
      if (subject.kind === 'User' || subject.kind === 'Group') subject.apiGroup = 'rbac.authorization.k8s.io';
    }
  }
}

function storageClass(obj: KubeObject): void {
  setDefault(obj, 'reclaimPolicy', 'Delete');
  setDefault(obj, 'volumeBindingMode', 'Immediate');
}

function csiDriver(obj: KubeObject): void {
  const s = spec(obj);
  setDefault(s, 'attachRequired', true, false);
  setDefault(s, 'podInfoOnMount', false, false);
  setDefault(s, 'storageCapacity', false, false);
  setDefault(s, 'fsGroupPolicy', 'ReadWriteOnceWithFSType');
  setDefault(s, 'requiresRepublish', false, false);
  setDefault(s, 'volumeLifecycleModes', ['Persistent'], false);
  setDefault(s, 'seLinuxMount', false, false);
}

function horizontalPodAutoscaler(obj: KubeObject): void {
  const s = spec(obj);
  setDefault(s, 'minReplicas', 1, false);
  if (obj.apiVersion === 'autoscaling/v1') return;
  if (!Array.isArray(s.metrics) || s.metrics.length === 0) {
    s.metrics = [
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
      },
    ];
  }
}

function priorityClass(obj: KubeObject): void {
  setDefault(obj, 'preemptionPolicy', 'PreemptLowerPriority');
}

function customResourceDefinition(obj: KubeObject): void {
  const s = spec(obj);
  const names = child(s, 'names');
  const kind = typeof names.kind === 'string' ? names.kind : '';
  setDefault(names, 'singular', kind.toLowerCase());
  if (kind !== '') setDefault(names, 'listKind', `${kind}List`);
  setDefault(child(s, 'conversion'), 'strategy', 'None');
}

const DEFAULTERS: Readonly<Record<string, Defaulter>> = {
  '/Pod': defaultPod,
  '/PodTemplate': podTemplate,
  '/ReplicationController': replicationController,
  '/Service': service,
  '/Secret': secret,
  '/PersistentVolumeClaim': persistentVolumeClaim,
  '/PersistentVolume': persistentVolume,
  '/Namespace': namespace,
  '/Endpoints': endpoints,
  '/LimitRange': limitRange,
  'apps/Deployment': deployment,
  'apps/ReplicaSet': replicaSet,
  'apps/StatefulSet': statefulSet,
  'apps/DaemonSet': daemonSet,
  'batch/Job': job,
  'batch/CronJob': cronJob,
  'autoscaling/HorizontalPodAutoscaler': horizontalPodAutoscaler,
  'networking.k8s.io/NetworkPolicy': networkPolicy,
  'rbac.authorization.k8s.io/RoleBinding': rbacSubjects,
  'rbac.authorization.k8s.io/ClusterRoleBinding': rbacSubjects,
  'storage.k8s.io/StorageClass': storageClass,
  'storage.k8s.io/CSIDriver': csiDriver,
  'scheduling.k8s.io/PriorityClass': priorityClass,
  'apiextensions.k8s.io/CustomResourceDefinition': customResourceDefinition,
};

/**
 * Adds the create-time defaults of `type` to `obj` in place and returns it. Call it after the name
 * (from generateName) and uid are assigned, since a Job's selector uses both, and after any client-sent
 * status has been dropped. Kinds without defaults (ConfigMap, ServiceAccount, custom resources) pass
 * through unchanged.
 */
export function applyCreateDefaults(type: ResourceType, obj: KubeObject): KubeObject {
  if (type.crdName !== undefined) return obj;
  DEFAULTERS[`${type.group}/${type.kind}`]?.(obj);
  return obj;
}
