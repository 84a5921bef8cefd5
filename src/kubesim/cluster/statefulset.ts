import type { KubeObject } from '../registry/types.ts';
import { type Revision, syncRevisions } from './controller-revisions.ts';
import { type PodTemplate, podFromTemplate } from './pod-template.ts';
import { ignoreNotFound, isAlreadyExists } from './runtime/api-errors.ts';
import type { ClusterContext } from './runtime/context.ts';
import { Controller } from './runtime/controller.ts';
import { objectKey, splitKey } from './runtime/informer.ts';
import {
  clone,
  controllerOf,
  controllerRef,
  isControlledBy,
  isPodAvailable,
  isPodReady,
  podPhase,
} from './runtime/objects.ts';
import type { LabelSelector } from './runtime/selectors.ts';

const COMPONENT = 'statefulset-controller';
export const REVISION_LABEL = 'controller-revision-hash';

type ClaimTemplate = {
  metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
};
type StatefulSetSpec = {
  replicas?: number;
  selector?: LabelSelector;
  template?: PodTemplate;
  serviceName?: string;
  volumeClaimTemplates?: ClaimTemplate[];
  podManagementPolicy?: 'OrderedReady' | 'Parallel';
  updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } };
  revisionHistoryLimit?: number;
  minReadySeconds?: number;
  persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string; whenScaled?: string };
  ordinals?: { start?: number };
};

/** `<template>-<statefulset>-<ordinal>`: the claim a StatefulSet pod's volume uses. */
export function claimName(template: string, set: string, ordinal: number): string {
  return `${template}-${set}-${ordinal}`;
}

function ordinalOf(set: string, pod: KubeObject): number {
  const name = pod.metadata.name ?? '';
  const suffix = name.slice(set.length + 1);
  return name.startsWith(`${set}-`) && /^\d+$/.test(suffix) ? Number(suffix) : -1;
}

type Plan = {
  replicas: number;
  start: number;
  ordered: boolean;
  onDelete: boolean;
  partition: number;
  current: Revision;
  update: Revision;
};

const healthy = (pod: KubeObject): boolean =>
  podPhase(pod) === 'Running' && isPodReady(pod) && !pod.metadata.deletionTimestamp;

/**
 * The StatefulSet controller: pods `<name>-<ordinal>` with stable hostnames, one claim per
 * volumeClaimTemplate and ordinal (created before the pod, kept unless the retention policy says Delete),
 * OrderedReady (one at a time, each waiting for its predecessors to be Running and Ready) or Parallel
 * management, scale-down from the highest ordinal, rolling update from the highest ordinal down to the
 * partition via ControllerRevisions, and status with currentRevision/updateRevision.
 */
export function startStatefulSetController(ctx: ClusterContext): Controller {
  const { api, refs, informers } = ctx;
  const sets = informers.get(refs.statefulSets);
  const controller = new Controller(ctx, 'statefulset', (key) => reconcile(key));
  controller.watch(sets, objectKey);
  controller.watch(informers.get(refs.pods), (pod) => {
    const owner = controllerOf(pod);
    return owner?.kind === 'StatefulSet' ? `${pod.metadata.namespace}/${owner.name}` : undefined;
  });
  controller.resync(() => sets.list().map(objectKey));

  function ensureClaims(set: KubeObject, ordinal: number): void {
    const spec = set.spec as StatefulSetSpec;
    const namespace = set.metadata.namespace;
    const owned = spec.persistentVolumeClaimRetentionPolicy?.whenDeleted === 'Delete';
    for (const t of spec.volumeClaimTemplates ?? []) {
      const name = claimName(t.metadata?.name ?? '', set.metadata.name!, ordinal);
      try {
        api.create(refs.pvcs, namespace, {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: {
            name,
            namespace,
            labels: { ...(t.metadata?.labels ?? {}), ...(spec.selector?.matchLabels ?? {}) },
            ...(t.metadata?.annotations ? { annotations: t.metadata.annotations } : {}),
            ...(owned ? { ownerReferences: [controllerRef(set, 'apps/v1', 'StatefulSet')] } : {}),
          },
          spec: clone(t.spec ?? {}),
        });
        ctx.events.record(
          set,
          'Normal',
          'SuccessfulCreate',
          `create Claim ${name} Pod ${set.metadata.name}-${ordinal} in StatefulSet ${set.metadata.name} success`,
          COMPONENT,
        );
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
    }
  }

  function createPod(set: KubeObject, ordinal: number, revision: Revision): void {
    const spec = set.spec as StatefulSetSpec;
    const name = `${set.metadata.name}-${ordinal}`;
    ensureClaims(set, ordinal);
    const pod = podFromTemplate(
      revision.template,
      set,
      { apiVersion: 'apps/v1', kind: 'StatefulSet' },
      { name },
      {
        labels: {
          [REVISION_LABEL]: revision.name,
          'statefulset.kubernetes.io/pod-name': name,
          'apps.kubernetes.io/pod-index': String(ordinal),
        },
      },
    );
    const podSpec = pod.spec as { volumes?: { name: string }[]; hostname?: string; subdomain?: string };
    const claimVolumes = (spec.volumeClaimTemplates ?? []).map((t) => ({
      name: t.metadata?.name ?? '',
      persistentVolumeClaim: { claimName: claimName(t.metadata?.name ?? '', set.metadata.name!, ordinal) },
    }));
    const claimNames = new Set(claimVolumes.map((v) => v.name));
    podSpec.volumes = [...(podSpec.volumes ?? []).filter((v) => !claimNames.has(v.name)), ...claimVolumes];
    podSpec.hostname = name;
    if (spec.serviceName) podSpec.subdomain = spec.serviceName;
    try {
      api.create(refs.pods, set.metadata.namespace, pod);
      ctx.events.record(
        set,
        'Normal',
        'SuccessfulCreate',
        `create Pod ${name} in StatefulSet ${set.metadata.name} successful`,
        COMPONENT,
      );
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }

  function deletePod(set: KubeObject, pod: KubeObject): void {
    ignoreNotFound(() =>
      api.delete(refs.pods, pod.metadata.namespace, pod.metadata.name!, {
        preconditions: { uid: pod.metadata.uid },
      }),
    );
    ctx.events.record(
      set,
      'Normal',
      'SuccessfulDelete',
      `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`,
      COMPONENT,
    );
  }

  function reconcile(key: string): { requeueAfterMs: number } | undefined {
    const { namespace, name } = splitKey(key);
    const set = ignoreNotFound(() => api.get(refs.statefulSets, namespace, name));
    if (!set || set.metadata.deletionTimestamp) return undefined;
    const plan = planFor(set);
    const pods = new Map<number, KubeObject>();
    for (const pod of api.list(refs.pods, { namespace }).items) {
      if (isControlledBy(pod, set)) pods.set(ordinalOf(name, pod), pod);
    }
    const blocked = createOrReplace(set, pods, plan);
    const inRange = (o: number): boolean => o >= plan.start && o < plan.start + plan.replicas;
    const condemned = [...pods.entries()].filter(([o]) => !inRange(o)).sort(([a], [b]) => b - a);
    if (!blocked)
      scaleDown(
        set,
        condemned.map(([, p]) => p),
        plan.ordered,
      );
    if (condemned.length === 0)
      rollOne(
        set,
        [...pods.entries()].filter(([o]) => inRange(o)),
        plan,
      );
    const live = [...pods.values()].filter((p) => !p.metadata.deletionTimestamp);
    writeStatus(set, live, plan.current, plan.update, plan.replicas);
    return undefined;
  }

  function planFor(set: KubeObject): Plan {
    const spec = set.spec as StatefulSetSpec;
    const previousCurrent = (set.status as { currentRevision?: string } | undefined)?.currentRevision;
    const { update, all } = syncRevisions(
      ctx,
      set,
      'StatefulSet',
      spec.template ?? {},
      spec.revisionHistoryLimit ?? 10,
      previousCurrent ? [previousCurrent] : [],
    );
    const onDelete = spec.updateStrategy?.type === 'OnDelete';
    return {
      replicas: spec.replicas ?? 1,
      start: spec.ordinals?.start ?? 0,
      ordered: (spec.podManagementPolicy ?? 'OrderedReady') === 'OrderedReady',
      onDelete,
      partition: onDelete ? Number.POSITIVE_INFINITY : (spec.updateStrategy?.rollingUpdate?.partition ?? 0),
      current: all.find((r) => r.name === previousCurrent) ?? update,
      update,
    };
  }

  /** Creates missing pods and replaces finished ones in ordinal order; true when OrderedReady must wait. */
  function createOrReplace(set: KubeObject, pods: Map<number, KubeObject>, plan: Plan): boolean {
    for (let ordinal = plan.start; ordinal < plan.start + plan.replicas; ordinal++) {
      const pod = pods.get(ordinal);
      const finishedPod =
        pod &&
        !pod.metadata.deletionTimestamp &&
        (podPhase(pod) === 'Failed' || podPhase(pod) === 'Succeeded');
      if (finishedPod) deletePod(set, pod);
      else if (!pod) {
        // OnDelete recreates at the update revision; RollingUpdate keeps ordinals below the partition current.
        const revision = plan.onDelete || ordinal - plan.start >= plan.partition ? plan.update : plan.current;
        createPod(set, ordinal, revision);
      } else if (healthy(pod)) continue;
      if (plan.ordered) return true;
    }
    return false;
  }

  /** Removes surplus pods from the highest ordinal down (one at a time under OrderedReady). */
  function scaleDown(set: KubeObject, condemned: KubeObject[], ordered: boolean): void {
    for (const pod of condemned) {
      if (!pod.metadata.deletionTimestamp) deletePod(set, pod);
      if (ordered) return;
    }
  }

  /** Rolling update: the highest ordinal not at the update revision goes, once all pods are healthy. */
  function rollOne(set: KubeObject, inRange: [number, KubeObject][], plan: Plan): void {
    if (plan.onDelete || inRange.length !== plan.replicas || !inRange.every(([, p]) => healthy(p))) return;
    const stale = inRange
      .filter(
        ([o, p]) =>
          o - plan.start >= plan.partition && p.metadata.labels?.[REVISION_LABEL] !== plan.update.name,
      )
      .sort(([a], [b]) => b - a);
    if (stale.length > 0) deletePod(set, stale[0][1]);
  }

  function writeStatus(
    set: KubeObject,
    pods: KubeObject[],
    current: Revision,
    update: Revision,
    replicas: number,
  ): void {
    const now = ctx.clock.now();
    const minReady = (set.spec as StatefulSetSpec).minReadySeconds ?? 0;
    const updated = pods.filter((p) => p.metadata.labels?.[REVISION_LABEL] === update.name).length;
    const ready = pods.filter(isPodReady).length;
    const done = updated === replicas && pods.length === replicas && ready === replicas;
    const currentRevision = done ? update.name : current.name;
    const status = {
      observedGeneration: set.metadata.generation,
      replicas: pods.length,
      readyReplicas: ready,
      availableReplicas: pods.filter((p) => isPodAvailable(p, minReady, now)).length,
      currentReplicas: done
        ? updated
        : pods.filter((p) => p.metadata.labels?.[REVISION_LABEL] === current.name).length,
      updatedReplicas: updated,
      currentRevision,
      updateRevision: update.name,
      collisionCount: 0,
    };
    ignoreNotFound(() =>
      api.patch(
        refs.statefulSets,
        set.metadata.namespace,
        set.metadata.name!,
        'merge',
        { status },
        { subresource: 'status' },
      ),
    );
  }

  return controller;
}
