import type { FieldExtractors, KubeObject } from './types.ts';

/**
 * The field selectors each built-in kind supports beyond `metadata.name` and `metadata.namespace`
 * (kube-api-surface §c.5, from the real server's field label conversions). A selector naming any other
 * field is a 400 `field label not supported`; a field that is absent on an object compares as "".
 */

function at(obj: KubeObject, ...path: string[]): unknown {
  let cur: unknown = obj;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/** The value as the server's field set holds it: strings as is, numbers and booleans as text. */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

const field =
  (...path: string[]) =>
  (obj: KubeObject): string | undefined =>
    text(at(obj, ...path));

/** Like `field`, but a missing number reads as 0 (Go's zero value, as the real field set has it). */
const count =
  (...path: string[]) =>
  (obj: KubeObject): string =>
    text(at(obj, ...path)) ?? '0';

function podIP(obj: KubeObject): string | undefined {
  const ips = at(obj, 'status', 'podIPs');
  if (Array.isArray(ips) && ips.length > 0) return text((ips[0] as { ip?: unknown }).ip);
  return text(at(obj, 'status', 'podIP'));
}

export const podFields: FieldExtractors = {
  'spec.nodeName': field('spec', 'nodeName'),
  // Old clients send spec.host; the server converts it to spec.nodeName.
  'spec.host': field('spec', 'nodeName'),
  'spec.restartPolicy': field('spec', 'restartPolicy'),
  'spec.schedulerName': field('spec', 'schedulerName'),
  'spec.serviceAccountName': field('spec', 'serviceAccountName'),
  'spec.hostNetwork': (obj) => String(at(obj, 'spec', 'hostNetwork') === true),
  'status.phase': field('status', 'phase'),
  'status.podIP': podIP,
  // Accepted as a label but absent from the real field set, so it only matches "".
  'status.podIPs': () => undefined,
  'status.nominatedNodeName': field('status', 'nominatedNodeName'),
};

export const coreEventFields: FieldExtractors = {
  'involvedObject.kind': field('involvedObject', 'kind'),
  'involvedObject.namespace': field('involvedObject', 'namespace'),
  'involvedObject.name': field('involvedObject', 'name'),
  'involvedObject.uid': field('involvedObject', 'uid'),
  'involvedObject.apiVersion': field('involvedObject', 'apiVersion'),
  'involvedObject.resourceVersion': field('involvedObject', 'resourceVersion'),
  'involvedObject.fieldPath': field('involvedObject', 'fieldPath'),
  reason: field('reason'),
  reportingComponent: field('reportingComponent'),
  source: field('source', 'component'),
  type: field('type'),
};

export const eventsV1Fields: FieldExtractors = {
  'regarding.kind': field('regarding', 'kind'),
  'regarding.namespace': field('regarding', 'namespace'),
  'regarding.name': field('regarding', 'name'),
  'regarding.uid': field('regarding', 'uid'),
  'regarding.apiVersion': field('regarding', 'apiVersion'),
  'regarding.resourceVersion': field('regarding', 'resourceVersion'),
  'regarding.fieldPath': field('regarding', 'fieldPath'),
  reason: field('reason'),
  reportingController: field('reportingController'),
  type: field('type'),
};

export const namespaceFields: FieldExtractors = { 'status.phase': field('status', 'phase') };
export const nodeFields: FieldExtractors = {
  'spec.unschedulable': (obj) => String(at(obj, 'spec', 'unschedulable') === true),
};
export const secretFields: FieldExtractors = { type: field('type') };
export const serviceFields: FieldExtractors = {
  'spec.clusterIP': field('spec', 'clusterIP'),
  'spec.type': field('spec', 'type'),
};
export const replicationControllerFields: FieldExtractors = {
  'status.replicas': count('status', 'replicas'),
};
export const replicaSetFields: FieldExtractors = { 'status.replicas': count('status', 'replicas') };
export const jobFields: FieldExtractors = { 'status.successful': count('status', 'succeeded') };
