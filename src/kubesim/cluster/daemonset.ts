import type { KubeObject } from '../registry/types.ts';
import { syncRevisions } from './controller-revisions.ts';
import { resolveIntOrPercent } from './deployment.ts';
import { type PodTemplate, podFromTemplate } from './pod-template.ts';
import { ignoreNotFound } from './runtime/api-errors.ts';
import type { ClusterContext } from './runtime/context.ts';
import { Controller } from './runtime/controller.ts';
import { objectKey, splitKey } from './runtime/informer.ts';
import {
  controllerOf,
  isControlledBy,
  isPodActive,
  isPodAvailable,
  isPodReady,
  podPhase,
} from './runtime/objects.ts';
import {
  matchesNodeSelectorTerms,
  type NodeSelectorTerm,
  type Taint,
  type Toleration,
  tolerates,
} from './runtime/selectors.ts';

const COMPONENT = 'daemonset-controller';

type DaemonSetSpec = {
  template?: PodTemplate;
  updateStrategy?: { type?: string; rollingUpdate?: { maxUnavailable?: number | string } };
  revisionHistoryLimit?: number;
  minReadySeconds?: number;
};
type PodSpec = {
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  affinity?: {
    nodeAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] };
    };
  };
};

/** The tolerations the DaemonSet controller adds to its pods so they run on nodes others avoid. */
const DAEMON_TOLERATIONS: Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

function targetNode(pod: KubeObject): string | undefined {
  const spec = pod.spec as PodSpec;
  if (spec.nodeName) return spec.nodeName;
  const terms =
    spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const t of terms) {
    const f = (
      t as { matchFields?: { key: string; operator: string; values?: string[] }[] }
    ).matchFields?.find((m) => m.key === 'metadata.name' && m.operator === 'In');
    if (f?.values?.length) return f.values[0];
  }
  return undefined;
}

/**
 * The DaemonSet controller: one pod per eligible node (nodeSelector, required node affinity, taints with
 * the daemon tolerations), each pinned to its node by a `metadata.name` node-affinity term as the real
 * controller does (the scheduler binds it), surplus and misplaced pods removed, rolling update within
 * maxUnavailable, and the status `kubectl rollout status ds` reads.
 */
export function startDaemonSetController(ctx: ClusterContext): Controller {
  const { api, refs, informers } = ctx;
  const sets = informers.get(refs.daemonSets);
  const nodes = informers.get(refs.nodes);
  const controller = new Controller(ctx, 'daemonset', (key) => reconcile(key));
  controller.watch(sets, objectKey);
  controller.watch(informers.get(refs.pods), (pod) => {
    const owner = controllerOf(pod);
    return owner?.kind === 'DaemonSet' ? `${pod.metadata.namespace}/${owner.name}` : undefined;
  });
  controller.watch(nodes, () => sets.list().map(objectKey));
  controller.resync(() => sets.list().map(objectKey));

  function eligible(node: KubeObject, template: PodTemplate): boolean {
    const spec = (template.spec ?? {}) as PodSpec;
    const labels = node.metadata.labels ?? {};
    if (!Object.entries(spec.nodeSelector ?? {}).every(([k, v]) => labels[k] === v)) return false;
    if (
      !matchesNodeSelectorTerms(
        spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms,
        node,
      )
    )
      return false;
    const tolerations = [...(spec.tolerations ?? []), ...DAEMON_TOLERATIONS];
    const taints = ((node.spec as { taints?: Taint[] } | undefined)?.taints ?? []).filter(
      (t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute',
    );
    return taints.every((t) => tolerates(tolerations, t));
  }

  function reconcile(key: string): { requeueAfterMs: number } | undefined {
    const { namespace, name } = splitKey(key);
    const ds = ignoreNotFound(() => api.get(refs.daemonSets, namespace, name));
    if (!ds || ds.metadata.deletionTimestamp) return undefined;
    const spec = ds.spec as DaemonSetSpec;
    const template = spec.template ?? {};
    const { update } = syncRevisions(ctx, ds, 'DaemonSet', template, spec.revisionHistoryLimit ?? 10, []);
    const wanted = nodes
      .list()
      .filter((n) => eligible(n, template))
      .map((n) => n.metadata.name!);
    const byNode = new Map<string, KubeObject[]>();
    for (const pod of api.list(refs.pods, { namespace }).items) {
      if (!isControlledBy(pod, ds) || pod.metadata.deletionTimestamp) continue;
      const node = targetNode(pod) ?? '';
      byNode.set(node, [...(byNode.get(node) ?? []), pod]);
    }
    place(ds, wanted, byNode, update.hash);
    const current = wanted.map((n) => (byNode.get(n) ?? []).find(isPodActive));
    const availability = (p: KubeObject): boolean =>
      isPodAvailable(p, spec.minReadySeconds ?? 0, ctx.clock.now());
    if ((spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
      const budget = resolveIntOrPercent(
        spec.updateStrategy?.rollingUpdate?.maxUnavailable,
        wanted.length,
        false,
        '1',
      );
      roll(ds, current, update.hash, Math.max(1, budget), availability);
    }
    const active = current.filter((p): p is KubeObject => p !== undefined);
    const available = active.filter(availability).length;
    const status = {
      observedGeneration: ds.metadata.generation,
      desiredNumberScheduled: wanted.length,
      currentNumberScheduled: active.length,
      numberMisscheduled: [...byNode.keys()].filter((n) => !wanted.includes(n)).length,
      numberReady: active.filter(isPodReady).length,
      updatedNumberScheduled: active.filter(
        (p) => p.metadata.labels?.['controller-revision-hash'] === update.hash,
      ).length,
      numberAvailable: available,
      numberUnavailable: wanted.length - available,
    };
    ignoreNotFound(() =>
      api.patch(refs.daemonSets, namespace, name, 'merge', { status }, { subresource: 'status' }),
    );
    return undefined;
  }

  /** One active pod on every wanted node: misplaced, failed and duplicate pods go, missing ones are created. */
  function place(ds: KubeObject, wanted: string[], byNode: Map<string, KubeObject[]>, hash: string): void {
    for (const [node, pods] of byNode) {
      if (!wanted.includes(node)) {
        for (const pod of pods) remove(ds, pod);
        continue;
      }
      for (const pod of pods) if (podPhase(pod) === 'Failed') remove(ds, pod);
      for (const pod of pods.filter(isPodActive).slice(1)) remove(ds, pod);
    }
    for (const node of wanted) {
      if (!(byNode.get(node) ?? []).some(isPodActive)) create(ds, node, hash);
    }
  }

  /** Rolling update: outdated pods are replaced while no more than `maxUnavailable` are unavailable. */
  function roll(
    ds: KubeObject,
    current: (KubeObject | undefined)[],
    hash: string,
    maxUnavailable: number,
    available: (p: KubeObject) => boolean,
  ): void {
    let unavailable = current.filter((p) => !p || !available(p)).length;
    for (const pod of current) {
      if (!pod || pod.metadata.labels?.['controller-revision-hash'] === hash) continue;
      const wasAvailable = available(pod);
      if (wasAvailable && unavailable >= maxUnavailable) return;
      remove(ds, pod);
      if (wasAvailable) unavailable++;
    }
  }

  function create(ds: KubeObject, node: string, hash: string): void {
    const template = (ds.spec as DaemonSetSpec).template ?? {};
    const pod = podFromTemplate(
      template,
      ds,
      { apiVersion: 'apps/v1', kind: 'DaemonSet' },
      { generateName: `${ds.metadata.name}-` },
      {
        labels: {
          'controller-revision-hash': hash,
          'pod-template-generation': String(ds.metadata.generation ?? 1),
        },
      },
    );
    const spec = pod.spec as PodSpec;
    spec.affinity = {
      ...(spec.affinity ?? {}),
      nodeAffinity: {
        ...(spec.affinity?.nodeAffinity ?? {}),
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }],
        },
      },
    };
    const tolerations = [...(spec.tolerations ?? [])];
    for (const t of DAEMON_TOLERATIONS)
      if (!tolerations.some((x) => x.key === t.key && x.effect === t.effect)) tolerations.push(t);
    spec.tolerations = tolerations;
    const created = api.create(refs.pods, ds.metadata.namespace, pod);
    ctx.events.record(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`, COMPONENT);
  }

  function remove(ds: KubeObject, pod: KubeObject): void {
    ignoreNotFound(() =>
      api.delete(refs.pods, pod.metadata.namespace, pod.metadata.name!, {
        preconditions: { uid: pod.metadata.uid },
      }),
    );
    ctx.events.record(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, COMPONENT);
  }

  return controller;
}
