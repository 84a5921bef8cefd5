import { SELECTED_NODE_ANNOTATION } from '../csi/constants.ts';
import type { KubeObject } from '../registry/types.ts';
import { isNotFound } from './runtime/api-errors.ts';
import type { ClusterContext } from './runtime/context.ts';
import { Controller } from './runtime/controller.ts';
import { objectKey, splitKey } from './runtime/informer.ts';
import {
  type Condition,
  conditionTrue,
  controllerOf,
  isBeingDeleted,
  isPodActive,
  setCondition,
} from './runtime/objects.ts';
import {
  matchesNodeSelectorTerms,
  type NodeSelectorTerm,
  type Taint,
  type Toleration,
  tolerates,
} from './runtime/selectors.ts';

const SCHEDULER_NAME = 'default-scheduler';

type PodSpec = {
  nodeName?: string;
  schedulerName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  affinity?: {
    nodeAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] };
    };
  };
  volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[];
};

type Verdict = { nodes: Set<string> | 'all'; reason?: string; blocking?: string };

/** Pods waiting for a node: unbound, not deleted, ours to schedule. */
function wantsScheduling(pod: KubeObject): boolean {
  const spec = pod.spec as PodSpec | undefined;
  if (!spec || spec.nodeName || isBeingDeleted(pod) || !isPodActive(pod)) return false;
  return !spec.schedulerName || spec.schedulerName === SCHEDULER_NAME;
}

/**
 * The default scheduler, simply: filters nodes by readiness, `spec.unschedulable`, nodeSelector, required
 * node affinity, NoSchedule/NoExecute taints and volume topology (a node-local hostpath PV pins its pods to
 * its node; an unbound WaitForFirstConsumer claim is given the chosen node in
 * `volume.kubernetes.io/selected-node`), then spreads: fewest pods of the same controller, then fewest pods.
 * An unschedulable pod stays Pending with `PodScheduled=False/Unschedulable` and the real message shape.
 */
export function startScheduler(ctx: ClusterContext): Controller {
  const { informers, refs } = ctx;
  const pods = informers.get(refs.pods);
  const nodes = informers.get(refs.nodes);
  const assumed = new Map<string, string>();
  const lastFailure = new Map<string, string>();

  const pendingKeys = (): string[] => pods.list().filter(wantsScheduling).map(objectKey);
  const forgetDeleted = pods.on({ delete: (pod) => assumed.delete(pod.metadata.uid!) });

  const controller = new Controller(ctx, 'scheduler', (key) => reconcile(key), 1);
  controller.watch(pods, (pod) => {
    if (pod.spec && (pod.spec as PodSpec).nodeName) assumed.delete(pod.metadata.uid!);
    return wantsScheduling(pod) ? objectKey(pod) : undefined;
  });
  const everyone = (): string[] => pendingKeys();
  controller.watch(nodes, everyone);
  controller.watch(informers.get(refs.pvcs), everyone);
  controller.watch(informers.get(refs.pvs), everyone);
  controller.resync(pendingKeys);
  controller.onStop(forgetDeleted);

  function podsPerNode(owner: string | undefined): Map<string, { total: number; same: number }> {
    const counts = new Map<string, { total: number; same: number }>();
    const bump = (node: string, same: boolean): void => {
      const c = counts.get(node) ?? { total: 0, same: 0 };
      c.total++;
      if (same) c.same++;
      counts.set(node, c);
    };
    for (const pod of pods.list()) {
      const node = (pod.spec as PodSpec | undefined)?.nodeName ?? assumed.get(pod.metadata.uid!);
      if (node && isPodActive(pod)) bump(node, owner !== undefined && controllerOf(pod)?.uid === owner);
    }
    return counts;
  }

  function volumeVerdict(pod: KubeObject, candidates: KubeObject[]): Verdict & { wait?: string[] } {
    const namespace = pod.metadata.namespace!;
    let allowed: Set<string> | 'all' = 'all';
    const restrict = (names: string[]): void => {
      const next = new Set(names);
      allowed = allowed === 'all' ? next : new Set([...allowed].filter((n) => next.has(n)));
    };
    const delayed: string[] = [];
    for (const volume of (pod.spec as PodSpec).volumes ?? []) {
      const claimName = volume.persistentVolumeClaim?.claimName;
      if (!claimName) continue;
      let pvc: KubeObject;
      try {
        pvc = ctx.api.get(refs.pvcs, namespace, claimName);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        return { nodes: new Set(), blocking: `persistentvolumeclaim "${claimName}" not found` };
      }
      if (isBeingDeleted(pvc)) {
        return { nodes: new Set(), blocking: `persistentvolumeclaim "${claimName}" is being deleted` };
      }
      const volumeName = (pvc.spec as { volumeName?: string }).volumeName;
      if (volumeName) {
        let pv: KubeObject | undefined;
        try {
          pv = ctx.api.get(refs.pvs, undefined, volumeName);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        const terms = (
          pv?.spec as { nodeAffinity?: { required?: { nodeSelectorTerms?: NodeSelectorTerm[] } } } | undefined
        )?.nodeAffinity?.required?.nodeSelectorTerms;
        if (terms)
          restrict(candidates.filter((n) => matchesNodeSelectorTerms(terms, n)).map((n) => n.metadata.name!));
        continue;
      }
      const selected = pvc.metadata.annotations?.[SELECTED_NODE_ANNOTATION];
      if (selected) {
        restrict([selected]);
        continue;
      }
      if (bindingMode(pvc) === 'Immediate') {
        return { nodes: new Set(), blocking: 'pod has unbound immediate PersistentVolumeClaims' };
      }
      delayed.push(claimName);
    }
    return { nodes: allowed, reason: 'node(s) had volume node affinity conflict', wait: delayed };
  }

  function bindingMode(pvc: KubeObject): string {
    const className = (pvc.spec as { storageClassName?: string }).storageClassName;
    if (className === '') return 'Immediate';
    const classes = ctx.api.list(refs.storageClasses).items;
    const sc = className
      ? classes.find((c) => c.metadata.name === className)
      : classes.find(
          (c) => c.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true',
        );
    return (sc?.volumeBindingMode as string | undefined) ?? 'Immediate';
  }

  function reconcile(key: string): undefined {
    const { namespace, name } = splitKey(key);
    let pod: KubeObject;
    try {
      pod = ctx.api.get(refs.pods, namespace, name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    if (!wantsScheduling(pod)) return undefined;
    const waitingFor = assumed.get(pod.metadata.uid!);
    if (waitingFor !== undefined) {
      // Chosen already; bound once its claims are (the real scheduler's volume-binding PreBind).
      if (claimsBound(pod)) bind(pod, waitingFor);
      return undefined;
    }
    const spec = pod.spec as PodSpec;
    const all = nodes
      .list()
      .sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!, 'en', { numeric: true }));
    const reasons = new Map<string, number>();
    const reject = (reason: string): false => {
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      return false;
    };
    const fits = all.filter((node) => {
      const nodeSpec = (node.spec ?? {}) as { unschedulable?: boolean; taints?: Taint[] };
      const taints = [...(nodeSpec.taints ?? [])];
      if (nodeSpec.unschedulable)
        taints.push({ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' });
      if (!conditionTrue(node, 'Ready'))
        taints.push({ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' });
      const untolerated = taints.find(
        (t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerates(spec.tolerations, t),
      );
      if (untolerated) {
        return reject(`node(s) had untolerated taint {${untolerated.key}: ${untolerated.value ?? ''}}`);
      }
      const labels = node.metadata.labels ?? {};
      const selectorOk = Object.entries(spec.nodeSelector ?? {}).every(([k, v]) => labels[k] === v);
      const terms =
        spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
      if (!selectorOk || !matchesNodeSelectorTerms(terms, node)) {
        return reject("node(s) didn't match Pod's node affinity/selector");
      }
      return true;
    });
    const volumes = volumeVerdict(pod, fits);
    let candidates = fits;
    if (volumes.blocking) candidates = [];
    else if (volumes.nodes !== 'all') {
      const allowed = volumes.nodes;
      candidates = fits.filter((n) => allowed.has(n.metadata.name!) || reject(volumes.reason!));
    }
    if (candidates.length === 0) {
      markUnschedulable(pod, all.length, reasons, volumes.blocking);
      return undefined;
    }
    const counts = podsPerNode(controllerOf(pod)?.uid);
    const score = (n: KubeObject): [number, number] => {
      const c = counts.get(n.metadata.name!) ?? { total: 0, same: 0 };
      return [c.same, c.total];
    };
    const chosen = candidates.reduce((best, n) => {
      const [s1, t1] = score(n);
      const [s2, t2] = score(best);
      return s1 < s2 || (s1 === s2 && t1 < t2) ? n : best;
    });
    const nodeName = chosen.metadata.name!;
    for (const claim of volumes.wait ?? []) {
      ctx.api.patch(refs.pvcs, pod.metadata.namespace, claim, 'merge', {
        metadata: { annotations: { [SELECTED_NODE_ANNOTATION]: nodeName } },
      });
    }
    assumed.set(pod.metadata.uid!, nodeName);
    if (claimsBound(pod)) bind(pod, nodeName);
    return undefined;
  }

  /** Whether every claim the pod uses is bound to a volume. */
  function claimsBound(pod: KubeObject): boolean {
    return ((pod.spec as PodSpec).volumes ?? []).every((v) => {
      const claim = v.persistentVolumeClaim?.claimName;
      if (!claim) return true;
      try {
        const pvc = ctx.api.get(refs.pvcs, pod.metadata.namespace, claim);
        return Boolean((pvc.spec as { volumeName?: string }).volumeName);
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    });
  }

  function bind(pod: KubeObject, nodeName: string): void {
    const namespace = pod.metadata.namespace!;
    try {
      ctx.api.patch(refs.pods, namespace, pod.metadata.name!, 'merge', {
        metadata: { resourceVersion: pod.metadata.resourceVersion },
        spec: { nodeName },
      });
    } catch (err) {
      assumed.delete(pod.metadata.uid!);
      throw err;
    }
    const now = ctx.clock.now();
    const conditions = setCondition(
      (pod.status as { conditions?: Condition[] } | undefined)?.conditions,
      { type: 'PodScheduled', status: 'True', lastProbeTime: null },
      now,
    );
    ctx.api.patch(
      refs.pods,
      namespace,
      pod.metadata.name!,
      'merge',
      { status: { conditions } },
      { subresource: 'status' },
    );
    lastFailure.delete(pod.metadata.uid!);
    ctx.events.record(
      pod,
      'Normal',
      'Scheduled',
      `Successfully assigned ${namespace}/${pod.metadata.name} to ${nodeName}`,
      SCHEDULER_NAME,
    );
  }

  function markUnschedulable(
    pod: KubeObject,
    nodeCount: number,
    reasons: Map<string, number>,
    blocking?: string,
  ): void {
    const parts = blocking ? [blocking] : [...reasons].map(([reason, n]) => `${n} ${reason}`).sort();
    const message =
      `0/${nodeCount} nodes are available: ${parts.join(', ')}. ` +
      `preemption: 0/${nodeCount} nodes are available: ${nodeCount} Preemption is not helpful for scheduling.`;
    if (lastFailure.get(pod.metadata.uid!) === message) return;
    lastFailure.set(pod.metadata.uid!, message);
    const conditions = setCondition(
      (pod.status as { conditions?: Condition[] } | undefined)?.conditions,
      { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastProbeTime: null },
      ctx.clock.now(),
    );
    ctx.api.patch(
      refs.pods,
      pod.metadata.namespace,
      pod.metadata.name!,
      'merge',
      { status: { phase: 'Pending', conditions } },
      { subresource: 'status' },
    );
    ctx.events.record(pod, 'Warning', 'FailedScheduling', message, SCHEDULER_NAME);
  }

  return controller;
}
