/**
 * Field tables for the protobuf messages kubectl's typed clients send (`kubectl create namespace|configmap|
 * secret|service|serviceaccount|deployment|job|cronjob|role|rolebinding|clusterrole|clusterrolebinding|quota|
 * pdb|token`, `kubectl auth can-i|whoami`). Field numbers and JSON names follow k8s.io/api and apimachinery's
 * `generated.proto`; the PodSpec/Container tables cover what those commands produce plus the common fields
 * (probes, env, volumes of the usual kinds, resources, security context), not every field of the real type.
 *
 * Notation, one field per `;`: `<number> <jsonName>[:<type>][[]][*][^]`. The type defaults to `string`;
 * `[]` repeated; `*` a Go pointer (sent only when set, so a zero value is meaningful and kept); `^` an embedded
 * struct whose fields appear inline in JSON. Types: string, bytes, int32, int64, bool, time (metav1.Time),
 * quantity, intstr, fieldsV1, `map` (string→string), `map<bytes>`, `map<quantity>`, `map<Message>`, or a
 * message name.
 */

export type FieldType =
  | { kind: 'scalar'; scalar: ScalarType }
  | { kind: 'message'; message: string }
  | { kind: 'map'; value: { kind: 'scalar'; scalar: ScalarType } | { kind: 'message'; message: string } };

export type ScalarType =
  | 'string'
  | 'bytes'
  | 'int32'
  | 'int64'
  | 'bool'
  | 'time'
  | 'quantity'
  | 'intstr'
  | 'fieldsV1';

export type FieldSpec = {
  name: string;
  type: FieldType;
  repeated: boolean;
  pointer: boolean;
  inline: boolean;
};

export type MessageSpec = ReadonlyMap<number, FieldSpec>;

const SCALARS = new Set<string>([
  'string',
  'bytes',
  'int32',
  'int64',
  'bool',
  'time',
  'quantity',
  'intstr',
  'fieldsV1',
]);

const TABLES: Record<string, string> = {
  // apimachinery meta/v1
  ObjectMeta:
    '1 name; 2 generateName; 3 namespace; 4 selfLink; 5 uid; 6 resourceVersion; 7 generation:int64; 8 creationTimestamp:time; 9 deletionTimestamp:time*; 10 deletionGracePeriodSeconds:int64*; 11 labels:map; 12 annotations:map; 13 ownerReferences:OwnerReference[]; 14 finalizers[]; 17 managedFields:ManagedFieldsEntry[]',
  OwnerReference: '5 apiVersion; 1 kind; 3 name; 4 uid; 6 controller:bool*; 7 blockOwnerDeletion:bool*',
  ManagedFieldsEntry:
    '1 manager; 2 operation; 3 apiVersion; 4 time:time*; 6 fieldsType; 7 fieldsV1:fieldsV1*; 8 subresource',
  LabelSelector: '1 matchLabels:map; 2 matchExpressions:LabelSelectorRequirement[]',
  LabelSelectorRequirement: '1 key; 2 operator; 3 values[]',
  Condition: '1 type; 2 status; 3 observedGeneration:int64; 4 lastTransitionTime:time; 5 reason; 6 message',

  // core/v1
  Namespace: '1 metadata:ObjectMeta; 2 spec:NamespaceSpec; 3 status:NamespaceStatus',
  NamespaceSpec: '1 finalizers[]',
  NamespaceStatus: '1 phase; 2 conditions:NamespaceCondition[]',
  NamespaceCondition: '1 type; 2 status; 4 lastTransitionTime:time; 5 reason; 6 message',
  ConfigMap: '1 metadata:ObjectMeta; 4 immutable:bool*; 2 data:map; 3 binaryData:map<bytes>',
  Secret: '1 metadata:ObjectMeta; 5 immutable:bool*; 2 data:map<bytes>; 4 stringData:map; 3 type',
  Service: '1 metadata:ObjectMeta; 2 spec:ServiceSpec; 3 status:ServiceStatus',
  ServiceSpec:
    '1 ports:ServicePort[]; 2 selector:map; 3 clusterIP; 18 clusterIPs[]; 4 type; 5 externalIPs[]; 7 sessionAffinity; 8 loadBalancerIP; 9 loadBalancerSourceRanges[]; 10 externalName; 11 externalTrafficPolicy; 12 healthCheckNodePort:int32; 13 publishNotReadyAddresses:bool; 14 sessionAffinityConfig:SessionAffinityConfig*; 19 ipFamilies[]; 17 ipFamilyPolicy*; 20 allocateLoadBalancerNodePorts:bool*; 21 loadBalancerClass*; 22 internalTrafficPolicy*; 23 trafficDistribution*',
  ServicePort: '1 name; 2 protocol; 6 appProtocol*; 3 port:int32; 4 targetPort:intstr; 5 nodePort:int32',
  SessionAffinityConfig: '1 clientIP:ClientIPConfig*',
  ClientIPConfig: '1 timeoutSeconds:int32*',
  ServiceStatus: '1 loadBalancer:LoadBalancerStatus; 2 conditions:Condition[]',
  LoadBalancerStatus: '1 ingress:LoadBalancerIngress[]',
  LoadBalancerIngress: '1 ip; 2 hostname; 3 ipMode*',
  ServiceAccount:
    '1 metadata:ObjectMeta; 2 secrets:ObjectReference[]; 3 imagePullSecrets:LocalObjectReference[]; 4 automountServiceAccountToken:bool*',
  ObjectReference: '1 kind; 2 namespace; 3 name; 4 uid; 5 apiVersion; 6 resourceVersion; 7 fieldPath',
  LocalObjectReference: '1 name',
  ResourceQuota: '1 metadata:ObjectMeta; 2 spec:ResourceQuotaSpec; 3 status:Empty',
  ResourceQuotaSpec: '1 hard:map<quantity>; 2 scopes[]',
  PodTemplateSpec: '1 metadata:ObjectMeta; 2 spec:PodSpec',
  PodSpec:
    '1 volumes:Volume[]; 20 initContainers:Container[]; 2 containers:Container[]; 3 restartPolicy; 4 terminationGracePeriodSeconds:int64*; 5 activeDeadlineSeconds:int64*; 6 dnsPolicy; 7 nodeSelector:map; 8 serviceAccountName; 9 serviceAccount; 21 automountServiceAccountToken:bool*; 10 nodeName; 11 hostNetwork:bool; 12 hostPID:bool; 13 hostIPC:bool; 27 shareProcessNamespace:bool*; 14 securityContext:PodSecurityContext*; 15 imagePullSecrets:LocalObjectReference[]; 16 hostname; 17 subdomain; 19 schedulerName; 22 tolerations:Toleration[]; 23 hostAliases:HostAlias[]; 24 priorityClassName; 25 priority:int32*; 26 dnsConfig:PodDNSConfig*; 28 readinessGates:PodReadinessGate[]; 29 runtimeClassName*; 30 enableServiceLinks:bool*; 31 preemptionPolicy*; 35 setHostnameAsFQDN:bool*; 36 os:PodOS*; 37 hostUsers:bool*',
  Container:
    '1 name; 2 image; 3 command[]; 4 args[]; 5 workingDir; 6 ports:ContainerPort[]; 19 envFrom:EnvFromSource[]; 7 env:EnvVar[]; 8 resources:ResourceRequirements; 24 restartPolicy*; 9 volumeMounts:VolumeMount[]; 10 livenessProbe:Probe*; 11 readinessProbe:Probe*; 22 startupProbe:Probe*; 12 lifecycle:Lifecycle*; 13 terminationMessagePath; 20 terminationMessagePolicy; 14 imagePullPolicy; 15 securityContext:SecurityContext*; 16 stdin:bool; 17 stdinOnce:bool; 18 tty:bool',
  ContainerPort: '1 name; 2 hostPort:int32; 3 containerPort:int32; 4 protocol; 5 hostIP',
  EnvVar: '1 name; 2 value; 3 valueFrom:EnvVarSource*',
  EnvVarSource:
    '1 fieldRef:ObjectFieldSelector*; 2 resourceFieldRef:ResourceFieldSelector*; 3 configMapKeyRef:KeySelector*; 4 secretKeyRef:KeySelector*',
  ObjectFieldSelector: '1 apiVersion; 2 fieldPath',
  ResourceFieldSelector: '1 containerName; 2 resource; 3 divisor:quantity',
  KeySelector: '1 localObjectReference:LocalObjectReference^; 2 key; 3 optional:bool*',
  EnvFromSource: '1 prefix; 2 configMapRef:EnvSource*; 3 secretRef:EnvSource*',
  EnvSource: '1 localObjectReference:LocalObjectReference^; 2 optional:bool*',
  ResourceRequirements: '1 limits:map<quantity>; 2 requests:map<quantity>; 3 claims:ResourceClaim[]',
  ResourceClaim: '1 name; 2 request',
  VolumeMount:
    '1 name; 2 readOnly:bool; 7 recursiveReadOnly*; 3 mountPath; 4 subPath; 5 mountPropagation*; 6 subPathExpr',
  Volume: '1 name; 2 volumeSource:VolumeSource^',
  VolumeSource:
    '1 hostPath:HostPathVolumeSource*; 2 emptyDir:EmptyDirVolumeSource*; 6 secret:SecretVolumeSource*; 10 persistentVolumeClaim:PersistentVolumeClaimVolumeSource*; 16 downwardAPI:DownwardAPIVolumeSource*; 19 configMap:ConfigMapVolumeSource*',
  HostPathVolumeSource: '1 path; 2 type*',
  EmptyDirVolumeSource: '1 medium; 2 sizeLimit:quantity*',
  SecretVolumeSource: '1 secretName; 2 items:KeyToPath[]; 3 defaultMode:int32*; 4 optional:bool*',
  ConfigMapVolumeSource:
    '1 localObjectReference:LocalObjectReference^; 2 items:KeyToPath[]; 3 defaultMode:int32*; 4 optional:bool*',
  PersistentVolumeClaimVolumeSource: '1 claimName; 2 readOnly:bool',
  DownwardAPIVolumeSource: '1 items:DownwardAPIVolumeFile[]; 2 defaultMode:int32*',
  DownwardAPIVolumeFile:
    '1 path; 2 fieldRef:ObjectFieldSelector*; 3 resourceFieldRef:ResourceFieldSelector*; 4 mode:int32*',
  KeyToPath: '1 key; 2 path; 3 mode:int32*',
  Probe:
    '1 handler:ProbeHandler^; 2 initialDelaySeconds:int32; 3 timeoutSeconds:int32; 4 periodSeconds:int32; 5 successThreshold:int32; 6 failureThreshold:int32; 7 terminationGracePeriodSeconds:int64*',
  ProbeHandler:
    '1 exec:ExecAction*; 2 httpGet:HTTPGetAction*; 3 tcpSocket:TCPSocketAction*; 4 grpc:GRPCAction*',
  ExecAction: '1 command[]',
  HTTPGetAction: '1 path; 2 port:intstr; 3 host; 4 scheme; 5 httpHeaders:HTTPHeader[]',
  HTTPHeader: '1 name; 2 value',
  TCPSocketAction: '1 port:intstr; 2 host',
  GRPCAction: '1 port:int32; 2 service*',
  Lifecycle: '1 postStart:LifecycleHandler*; 2 preStop:LifecycleHandler*',
  LifecycleHandler:
    '1 exec:ExecAction*; 2 httpGet:HTTPGetAction*; 3 tcpSocket:TCPSocketAction*; 4 sleep:SleepAction*',
  SleepAction: '1 seconds:int64',
  Toleration: '1 key; 2 operator; 3 value; 4 effect; 5 tolerationSeconds:int64*',
  HostAlias: '1 ip; 2 hostnames[]',
  PodDNSConfig: '1 nameservers[]; 2 searches[]; 3 options:PodDNSConfigOption[]',
  PodDNSConfigOption: '1 name; 2 value*',
  PodReadinessGate: '1 conditionType',
  PodOS: '1 name',
  SecurityContext:
    '1 capabilities:Capabilities*; 2 privileged:bool*; 4 runAsUser:int64*; 8 runAsGroup:int64*; 5 runAsNonRoot:bool*; 6 readOnlyRootFilesystem:bool*; 7 allowPrivilegeEscalation:bool*; 9 procMount*; 11 seccompProfile:SeccompProfile*',
  PodSecurityContext:
    '2 runAsUser:int64*; 6 runAsGroup:int64*; 3 runAsNonRoot:bool*; 4 supplementalGroups:int64[]; 5 fsGroup:int64*; 7 sysctls:Sysctl[]; 9 fsGroupChangePolicy*; 10 seccompProfile:SeccompProfile*',
  Capabilities: '1 add[]; 2 drop[]',
  SeccompProfile: '1 type; 2 localhostProfile*',
  Sysctl: '1 name; 2 value',

  // apps/v1
  Deployment: '1 metadata:ObjectMeta; 2 spec:DeploymentSpec; 3 status:Empty',
  DeploymentSpec:
    '1 replicas:int32*; 2 selector:LabelSelector*; 3 template:PodTemplateSpec; 4 strategy:DeploymentStrategy; 5 minReadySeconds:int32; 6 revisionHistoryLimit:int32*; 7 paused:bool; 9 progressDeadlineSeconds:int32*',
  DeploymentStrategy: '1 type; 2 rollingUpdate:RollingUpdateDeployment*',
  RollingUpdateDeployment: '1 maxUnavailable:intstr*; 2 maxSurge:intstr*',

  // batch/v1
  Job: '1 metadata:ObjectMeta; 2 spec:JobSpec; 3 status:Empty',
  JobSpec:
    '1 parallelism:int32*; 2 completions:int32*; 3 activeDeadlineSeconds:int64*; 7 backoffLimit:int32*; 12 backoffLimitPerIndex:int32*; 13 maxFailedIndexes:int32*; 4 selector:LabelSelector*; 5 manualSelector:bool*; 6 template:PodTemplateSpec; 8 ttlSecondsAfterFinished:int32*; 9 completionMode*; 10 suspend:bool*; 14 podReplacementPolicy*; 15 managedBy*',
  CronJob: '1 metadata:ObjectMeta; 2 spec:CronJobSpec; 3 status:Empty',
  CronJobSpec:
    '1 schedule; 8 timeZone*; 2 startingDeadlineSeconds:int64*; 3 concurrencyPolicy; 4 suspend:bool*; 5 jobTemplate:JobTemplateSpec; 6 successfulJobsHistoryLimit:int32*; 7 failedJobsHistoryLimit:int32*',
  JobTemplateSpec: '1 metadata:ObjectMeta; 2 spec:JobSpec',

  // policy/v1
  PodDisruptionBudget: '1 metadata:ObjectMeta; 2 spec:PodDisruptionBudgetSpec; 3 status:Empty',
  PodDisruptionBudgetSpec:
    '1 minAvailable:intstr*; 2 selector:LabelSelector*; 3 maxUnavailable:intstr*; 4 unhealthyPodEvictionPolicy*',

  // rbac.authorization.k8s.io/v1
  Role: '1 metadata:ObjectMeta; 2 rules:PolicyRule[]',
  ClusterRole: '1 metadata:ObjectMeta; 2 rules:PolicyRule[]; 3 aggregationRule:AggregationRule*',
  AggregationRule: '1 clusterRoleSelectors:LabelSelector[]',
  PolicyRule: '1 verbs[]; 2 apiGroups[]; 3 resources[]; 4 resourceNames[]; 5 nonResourceURLs[]',
  RoleBinding: '1 metadata:ObjectMeta; 2 subjects:Subject[]; 3 roleRef:RoleRef',
  Subject: '1 kind; 2 apiGroup; 3 name; 4 namespace',
  RoleRef: '1 apiGroup; 2 kind; 3 name',

  // authorization.k8s.io/v1
  SelfSubjectAccessReview:
    '1 metadata:ObjectMeta; 2 spec:SelfSubjectAccessReviewSpec; 3 status:SubjectAccessReviewStatus',
  SelfSubjectAccessReviewSpec:
    '1 resourceAttributes:ResourceAttributes*; 2 nonResourceAttributes:NonResourceAttributes*',
  ResourceAttributes: '1 namespace; 2 verb; 3 group; 4 version; 5 resource; 6 subresource; 7 name',
  NonResourceAttributes: '1 path; 2 verb',
  SubjectAccessReviewStatus: '1 allowed:bool; 4 denied:bool; 2 reason; 3 evaluationError',

  // authentication.k8s.io/v1
  TokenRequest: '1 metadata:ObjectMeta; 2 spec:TokenRequestSpec; 3 status:TokenRequestStatus',
  TokenRequestSpec: '1 audiences[]; 4 expirationSeconds:int64*; 3 boundObjectRef:BoundObjectReference*',
  BoundObjectReference: '1 kind; 2 apiVersion; 3 name; 4 uid',
  TokenRequestStatus: '1 token; 2 expirationTimestamp:time',
  SelfSubjectReview: '1 metadata:ObjectMeta; 2 status:Empty',

  // A status clients send empty and the server ignores.
  Empty: '',
};

/** The top-level kinds decodable from a `k8s\0` body, by `apiVersion` and `kind`. */
export const KINDS: ReadonlyMap<string, string> = new Map([
  ['v1/Namespace', 'Namespace'],
  ['v1/ConfigMap', 'ConfigMap'],
  ['v1/Secret', 'Secret'],
  ['v1/Service', 'Service'],
  ['v1/ServiceAccount', 'ServiceAccount'],
  ['v1/ResourceQuota', 'ResourceQuota'],
  ['apps/v1/Deployment', 'Deployment'],
  ['batch/v1/Job', 'Job'],
  ['batch/v1/CronJob', 'CronJob'],
  ['policy/v1/PodDisruptionBudget', 'PodDisruptionBudget'],
  ['rbac.authorization.k8s.io/v1/Role', 'Role'],
  ['rbac.authorization.k8s.io/v1/ClusterRole', 'ClusterRole'],
  ['rbac.authorization.k8s.io/v1/RoleBinding', 'RoleBinding'],
  ['rbac.authorization.k8s.io/v1/ClusterRoleBinding', 'RoleBinding'],
  ['authorization.k8s.io/v1/SelfSubjectAccessReview', 'SelfSubjectAccessReview'],
  ['authentication.k8s.io/v1/TokenRequest', 'TokenRequest'],
  ['authentication.k8s.io/v1/SelfSubjectReview', 'SelfSubjectReview'],
]);

const FIELD_RE = /^(\d+) ([A-Za-z]\w*)(?::([\w<>]+))?(\[\])?(\*)?(\^)?$/;

function parseType(text: string | undefined): FieldType {
  if (!text) return { kind: 'scalar', scalar: 'string' };
  if (SCALARS.has(text)) return { kind: 'scalar', scalar: text as ScalarType };
  if (text === 'map') return { kind: 'map', value: { kind: 'scalar', scalar: 'string' } };
  const map = /^map<(\w+)>$/.exec(text);
  if (map) {
    const value = map[1];
    return {
      kind: 'map',
      value: SCALARS.has(value)
        ? { kind: 'scalar', scalar: value as ScalarType }
        : { kind: 'message', message: value },
    };
  }
  return { kind: 'message', message: text };
}

function parseTable(name: string, text: string): MessageSpec {
  const fields = new Map<number, FieldSpec>();
  for (const part of text.split(';')) {
    const item = part.trim();
    if (item === '') continue;
    const m = FIELD_RE.exec(item);
    if (!m) throw new Error(`bad protobuf table entry ${JSON.stringify(item)} in ${name}`);
    fields.set(Number(m[1]), {
      name: m[2],
      type: parseType(m[3]),
      repeated: m[4] !== undefined,
      pointer: m[5] !== undefined,
      inline: m[6] !== undefined,
    });
  }
  return fields;
}

const parsed = new Map<string, MessageSpec>();
for (const [name, text] of Object.entries(TABLES)) parsed.set(name, parseTable(name, text));
for (const [name, spec] of parsed) {
  for (const field of spec.values()) {
    const ref =
      field.type.kind === 'message'
        ? field.type.message
        : field.type.kind === 'map' && field.type.value.kind === 'message'
          ? field.type.value.message
          : undefined;
    if (ref && !parsed.has(ref))
      throw new Error(`protobuf table ${name}.${field.name} refers to unknown ${ref}`);
  }
}

/** The field table of a message; throws for names not in the table (a programming error). */
export function messageSpec(name: string): MessageSpec {
  const spec = parsed.get(name);
  if (!spec) throw new Error(`no protobuf table for ${name}`);
  return spec;
}
