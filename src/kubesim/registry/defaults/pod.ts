import { compareQuantities } from '../quantity.ts';
import type { KubeObject } from '../types.ts';

/**
 * The defaults a real API server writes into pod specs (core/v1 `SetDefaults_PodSpec`, `_Container`,
 * `_Probe`, `_Volume`, …) and, for Pods themselves, what `SetDefaults_Pod` and the admission plugins every
 * cluster runs add (service account, default tolerations, priority, status). Functions mutate in place.
 */

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The object at `parent[key]`, created when missing. */
export function child(parent: Json, key: string): Json {
  const existing = parent[key];
  if (isObject(existing)) return existing;
  const created: Json = {};
  parent[key] = created;
  return created;
}

export function list(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

/** Sets `obj[key]` when it is absent (or, with `emptyToo`, the empty string). */
export function setDefault(obj: Json, key: string, value: unknown, emptyToo = true): void {
  if (obj[key] === undefined || obj[key] === null || (emptyToo && obj[key] === '')) obj[key] = value;
}

/** The tag `ParseImageName` finds: `latest` when an image has neither tag nor digest. */
function imageTag(image: unknown): string {
  if (typeof image !== 'string' || image === '' || /[A-Z]/.test(image.split(/[:@]/)[0])) return '';
  const [name, digest] = image.split('@');
  const lastSlash = name.lastIndexOf('/');
  const colon = name.indexOf(':', lastSlash + 1);
  const tag = colon >= 0 ? name.slice(colon + 1) : '';
  if (tag === '' && digest === undefined) return 'latest';
  return tag;
}

function defaultProbe(probe: unknown): void {
  if (!isObject(probe)) return;
  setDefault(probe, 'timeoutSeconds', 1);
  setDefault(probe, 'periodSeconds', 10);
  setDefault(probe, 'successThreshold', 1);
  setDefault(probe, 'failureThreshold', 3);
  if (isObject(probe.httpGet)) {
    setDefault(probe.httpGet, 'path', '/');
    setDefault(probe.httpGet, 'scheme', 'HTTP');
  }
}

function defaultLifecycleHandler(handler: unknown): void {
  if (isObject(handler) && isObject(handler.httpGet)) {
    setDefault(handler.httpGet, 'path', '/');
    setDefault(handler.httpGet, 'scheme', 'HTTP');
  }
}

function defaultEnv(container: Json): void {
  for (const env of list(container.env)) {
    const fieldRef = isObject(env.valueFrom) ? env.valueFrom.fieldRef : undefined;
    if (isObject(fieldRef)) setDefault(fieldRef, 'apiVersion', 'v1');
  }
}

/** `SetDefaults_Container` and what hangs off a container (ports, probes, env). */
export function defaultContainer(container: Json, hostNetwork: boolean): void {
  if (container.imagePullPolicy === undefined || container.imagePullPolicy === '') {
    container.imagePullPolicy = imageTag(container.image) === 'latest' ? 'Always' : 'IfNotPresent';
  }
  setDefault(container, 'terminationMessagePath', '/dev/termination-log');
  setDefault(container, 'terminationMessagePolicy', 'File');
  setDefault(container, 'resources', {});
  for (const port of list(container.ports)) {
    setDefault(port, 'protocol', 'TCP');
    if (hostNetwork && port.hostPort === undefined) port.hostPort = port.containerPort;
  }
  defaultProbe(container.livenessProbe);
  defaultProbe(container.readinessProbe);
  defaultProbe(container.startupProbe);
  if (isObject(container.lifecycle)) {
    defaultLifecycleHandler(container.lifecycle.postStart);
    defaultLifecycleHandler(container.lifecycle.preStop);
  }
  defaultEnv(container);
}

const DEFAULT_MODE = 0o644;
const VOLUME_SOURCES = [
  'hostPath',
  'emptyDir',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'persistentVolumeClaim',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'downwardAPI',
  'fc',
  'azureFile',
  'configMap',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'projected',
  'portworxVolume',
  'scaleIO',
  'storageos',
  'csi',
  'ephemeral',
  'image',
];

/** `SetDefaults_Volume` and the per-source defaults (file modes, hostPath type). */
export function defaultVolume(volume: Json): void {
  if (!VOLUME_SOURCES.some((s) => volume[s] !== undefined)) volume.emptyDir = {};
  for (const source of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    if (isObject(volume[source])) setDefault(volume[source] as Json, 'defaultMode', DEFAULT_MODE);
  }
  if (isObject(volume.hostPath)) setDefault(volume.hostPath, 'type', '', false);
  if (isObject(volume.downwardAPI)) {
    for (const item of list(volume.downwardAPI.items)) {
      if (isObject(item.fieldRef)) setDefault(item.fieldRef, 'apiVersion', 'v1');
    }
  }
}

/** `SetDefaults_PodSpec` plus the container and volume defaults: what every pod template gets. */
export function defaultPodSpec(spec: Json): void {
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'schedulerName', 'default-scheduler');
  const hostNetwork = spec.hostNetwork === true;
  for (const c of [...list(spec.initContainers), ...list(spec.containers)]) defaultContainer(c, hostNetwork);
  for (const c of list(spec.ephemeralContainers)) defaultContainer(c, false);
  for (const v of list(spec.volumes)) defaultVolume(v);
}

/** A pod template (`spec.template` of workloads): metadata untouched, spec defaulted. */
export function defaultPodTemplate(template: unknown): void {
  if (isObject(template)) defaultPodSpec(child(template, 'spec'));
}

const RESOURCES = ['cpu', 'memory'];

/** `GetPodQOS`: Guaranteed, Burstable or BestEffort from the containers' requests and limits. */
export function podQosClass(spec: Json): string {
  let any = false;
  let guaranteed = true;
  for (const c of [...list(spec.initContainers), ...list(spec.containers)]) {
    const resources = isObject(c.resources) ? c.resources : {};
    const requests = isObject(resources.requests) ? resources.requests : {};
    const limits = isObject(resources.limits) ? resources.limits : {};
    for (const r of RESOURCES) {
      const hasRequest = requests[r] !== undefined && compareQuantities(requests[r], '0') !== 0;
      const hasLimit = limits[r] !== undefined && compareQuantities(limits[r], '0') !== 0;
      if (hasRequest || hasLimit) any = true;
      if (!hasLimit || (hasRequest && compareQuantities(requests[r], limits[r]) !== 0)) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

const DEFAULT_TOLERATIONS = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'];
const BUILTIN_PRIORITIES: Readonly<Record<string, number>> = {
  'system-cluster-critical': 2000000000,
  'system-node-critical': 2000001000,
};

/** Requests default to limits for pods (not for templates): `SetDefaults_Pod`. */
function defaultRequestsToLimits(spec: Json): void {
  for (const c of [...list(spec.initContainers), ...list(spec.containers)]) {
    if (!isObject(c.resources) || !isObject(c.resources.limits)) continue;
    const requests = child(c.resources, 'requests');
    for (const [r, q] of Object.entries(c.resources.limits)) setDefault(requests, r, q, false);
  }
}

/** The admission plugins' additions: ServiceAccount, DefaultTolerationSeconds and Priority. */
function admit(spec: Json): void {
  setDefault(spec, 'serviceAccountName', 'default');
  // The deprecated field mirrors serviceAccountName in every v1 response.
  spec.serviceAccount = spec.serviceAccountName;
  const tolerations = list(spec.tolerations);
  const tolerates = (key: string): boolean =>
    tolerations.some(
      (t) =>
        (t.key === key || t.key === undefined || t.key === '') &&
        (t.effect === undefined || t.effect === '' || t.effect === 'NoExecute'),
    );
  const added = DEFAULT_TOLERATIONS.filter((key) => !tolerates(key)).map((key) => ({
    key,
    operator: 'Exists',
    effect: 'NoExecute',
    tolerationSeconds: 300,
  }));
  if (added.length > 0)
    spec.tolerations = [...(Array.isArray(spec.tolerations) ? spec.tolerations : []), ...added];
  const className = typeof spec.priorityClassName === 'string' ? spec.priorityClassName : '';
  if (className === '') setDefault(spec, 'priority', 0, false);
  else if (BUILTIN_PRIORITIES[className] !== undefined)
    setDefault(spec, 'priority', BUILTIN_PRIORITIES[className], false);
  setDefault(spec, 'preemptionPolicy', 'PreemptLowerPriority');
}

/** Everything a created Pod gains on the way into storage. */
export function defaultPod(pod: KubeObject): void {
  const spec = child(pod, 'spec');
  defaultRequestsToLimits(spec);
  defaultPodSpec(spec);
  setDefault(spec, 'enableServiceLinks', true, false);
  admit(spec);
  const status = child(pod, 'status');
  setDefault(status, 'phase', 'Pending');
  setDefault(status, 'qosClass', podQosClass(spec));
}
