import type { KubeObject, OwnerReference } from '../../registry/types.ts';

/** `metav1.Time`: RFC 3339 at second precision, as the real API server writes it. */
export function metaTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** `metav1.MicroTime` (Lease renewTime, Event eventTime): six fractional digits. */
export function microTime(date: Date): string {
  return `${date.toISOString().slice(0, 23)}000Z`;
}

export type Condition = {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
  lastProbeTime?: string | null;
  lastHeartbeatTime?: string;
  [field: string]: unknown;
};

/**
 * Returns `conditions` with `next` set: the transition time moves only when the status changes, as every
 * Kubernetes controller does, so repeated reconciles do not churn the object.
 */
export function setCondition(
  conditions: Condition[] | undefined,
  next: Omit<Condition, 'lastTransitionTime'>,
  now: Date,
): Condition[] {
  const list = [...(conditions ?? [])];
  const index = list.findIndex((c) => c.type === next.type);
  const old = index >= 0 ? list[index] : undefined;
  const lastTransitionTime =
    old && old.status === next.status && old.lastTransitionTime ? old.lastTransitionTime : metaTime(now);
  const merged = { ...next, lastTransitionTime } as Condition;
  if (index >= 0) list[index] = merged;
  else list.push(merged);
  return list;
}

export function findCondition(obj: KubeObject, type: string): Condition | undefined {
  const conditions = (obj.status as { conditions?: Condition[] } | undefined)?.conditions;
  return conditions?.find((c) => c.type === type);
}

export function conditionTrue(obj: KubeObject, type: string): boolean {
  return findCondition(obj, type)?.status === 'True';
}

export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

export function isControlledBy(obj: KubeObject, owner: KubeObject): boolean {
  return controllerOf(obj)?.uid === owner.metadata.uid;
}

/** The controller reference a workload controller puts on what it creates (GC deletes them with the owner). */
export function controllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function isBeingDeleted(obj: KubeObject): boolean {
  return Boolean(obj.metadata.deletionTimestamp);
}

export function podPhase(pod: KubeObject): string | undefined {
  return (pod.status as { phase?: string } | undefined)?.phase;
}

/** Running or about to run: neither finished nor being deleted (what a ReplicaSet counts as a replica). */
export function isPodActive(pod: KubeObject): boolean {
  const phase = podPhase(pod);
  return phase !== 'Succeeded' && phase !== 'Failed' && !isBeingDeleted(pod);
}

export function isPodReady(pod: KubeObject): boolean {
  return conditionTrue(pod, 'Ready');
}

/** Ready for at least `minReadySeconds` at `now` (the definition of an available replica). */
export function isPodAvailable(pod: KubeObject, minReadySeconds: number, now: Date): boolean {
  const ready = findCondition(pod, 'Ready');
  if (ready?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : 0;
  return since + minReadySeconds * 1000 <= now.getTime();
}

/** Deep copy for objects that came out of the API (plain JSON data). */
export function clone<T>(value: T): T {
  return structuredClone(value);
}

export function spec<T = Record<string, unknown>>(obj: KubeObject): T {
  return (obj.spec ?? {}) as T;
}

export function status<T = Record<string, unknown>>(obj: KubeObject): T {
  return (obj.status ?? {}) as T;
}

/** A list for a merge patch: `null` (remove the field) when empty, as Go's omitempty would store it. */
export function orNull<T>(list: T[]): T[] | null {
  return list.length > 0 ? list : null;
}
