import type { Condition } from '../../api/index.ts';

export type ConditionUpdate = {
  type: string;
  status: Condition['status'];
  reason: string;
  message?: string;
  observedGeneration?: number;
};

/**
 * The conditions with `update` set: a condition of the same type is replaced, others are kept in order. Its
 * `lastTransitionTime` moves to `now` only when the status changes (a new reason or message alone is not a
 * transition), as Kubernetes' meta.SetStatusCondition does. The input is not modified.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  update: ConditionUpdate,
  now: Date,
): Condition[] {
  const list = [...(conditions ?? [])];
  const index = list.findIndex((c) => c.type === update.type);
  const previous = index >= 0 ? list[index] : undefined;
  const next: Condition = {
    type: update.type,
    status: update.status,
    reason: update.reason,
    lastTransitionTime:
      previous && previous.status === update.status ? previous.lastTransitionTime : now.toISOString(),
  };
  if (update.message !== undefined) next.message = update.message;
  if (update.observedGeneration !== undefined) next.observedGeneration = update.observedGeneration;
  if (index >= 0) list[index] = next;
  else list.push(next);
  return list;
}

/** Whether setting `update` would change anything (status, reason, message or generation). */
export function conditionChanged(
  conditions: readonly Condition[] | undefined,
  update: ConditionUpdate,
): boolean {
  const c = findCondition(conditions, update.type);
  return (
    !c ||
    c.status !== update.status ||
    c.reason !== update.reason ||
    (c.message ?? undefined) !== update.message ||
    (update.observedGeneration !== undefined && c.observedGeneration !== update.observedGeneration)
  );
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/** The conditions without `type`. */
export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}
