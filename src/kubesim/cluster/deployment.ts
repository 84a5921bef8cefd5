import type { KubeObject } from '../registry/types.ts';
import type { PodTemplate } from './pod-template.ts';
import { ignoreNotFound, isAlreadyExists } from './runtime/api-errors.ts';
import type { ClusterContext } from './runtime/context.ts';
import { Controller } from './runtime/controller.ts';
import { templateHash } from './runtime/hash.ts';
import { objectKey, splitKey } from './runtime/informer.ts';
import {
  type Condition,
  clone,
  controllerOf,
  controllerRef,
  isControlledBy,
  metaTime,
  setCondition,
} from './runtime/objects.ts';
import type { LabelSelector } from './runtime/selectors.ts';

export const POD_TEMPLATE_HASH = 'pod-template-hash';
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
const DESIRED_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
const MAX_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
const COMPONENT = 'deployment-controller';

type IntOrPercent = number | string | undefined;
type DeploymentSpec = {
  replicas?: number;
  selector?: LabelSelector;
  template?: PodTemplate;
  strategy?: { type?: string; rollingUpdate?: { maxSurge?: IntOrPercent; maxUnavailable?: IntOrPercent } };
  revisionHistoryLimit?: number;
  paused?: boolean;
  minReadySeconds?: number;
};
type RsStatus = { replicas?: number; readyReplicas?: number; availableReplicas?: number };

/** An int-or-percent against a total, rounded up (surge) or down (unavailable) as the real controller does. */
export function resolveIntOrPercent(
  value: IntOrPercent,
  total: number,
  roundUp: boolean,
  fallback: string,
): number {
  const v = value ?? fallback;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) return Number.parseInt(v, 10) || 0;
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

const replicasOf = (rs: KubeObject): number => (rs.spec as { replicas?: number }).replicas ?? 0;
const statusOf = (rs: KubeObject): RsStatus => (rs.status ?? {}) as RsStatus;
const revisionOf = (rs: KubeObject): number => Number(rs.metadata.annotations?.[REVISION_ANNOTATION] ?? 0);

/**
 * The Deployment controller: one ReplicaSet per pod template (`<name>-<pod-template-hash>`, the hash also a
 * label and selector term), revision annotations (a template brought back gets the next revision), rolling
 * update by maxSurge/maxUnavailable in the real controller's steps (scale the new set up within the surge,
 * old sets down as availability allows), Recreate, history cleanup, and the status `kubectl rollout
 * status` reads: observedGeneration, replicas/updated/ready/available/unavailable, Available and Progressing.
 */
export function startDeploymentController(ctx: ClusterContext): Controller {
  const { api, refs, informers } = ctx;
  const deployments = informers.get(refs.deployments);
  const controller = new Controller(ctx, 'deployment', (key) => reconcile(key));
  controller.watch(deployments, objectKey);
  controller.watch(informers.get(refs.replicaSets), (rs) => {
    const owner = controllerOf(rs);
    return owner?.kind === 'Deployment' ? `${rs.metadata.namespace}/${owner.name}` : undefined;
  });
  controller.resync(() => deployments.list().map(objectKey));

  function scale(rs: KubeObject, to: number, d: KubeObject, annotations: Record<string, string>): KubeObject {
    const from = replicasOf(rs);
    if (from === to && Object.entries(annotations).every(([k, v]) => rs.metadata.annotations?.[k] === v))
      return rs;
    const updated = api.patch(refs.replicaSets, rs.metadata.namespace, rs.metadata.name!, 'merge', {
      metadata: { resourceVersion: rs.metadata.resourceVersion, annotations },
      spec: { replicas: to },
    }).object;
    if (from !== to) {
      const verb = to > from ? 'up' : 'down';
      ctx.events.record(
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled ${verb} replica set ${rs.metadata.name} from ${from} to ${to}`,
        COMPONENT,
      );
    }
    return updated;
  }

  function reconcile(key: string): { requeueAfterMs: number } | undefined {
    const { namespace, name } = splitKey(key);
    const d = ignoreNotFound(() => api.get(refs.deployments, namespace, name));
    if (!d || d.metadata.deletionTimestamp) return undefined;
    const spec = d.spec as DeploymentSpec;
    const replicas = spec.replicas ?? 1;
    const maxSurge = resolveIntOrPercent(spec.strategy?.rollingUpdate?.maxSurge, replicas, true, '25%');
    let maxUnavailable = resolveIntOrPercent(
      spec.strategy?.rollingUpdate?.maxUnavailable,
      replicas,
      false,
      '25%',
    );
    if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
    const recreate = spec.strategy?.type === 'Recreate';
    const hash = templateHash(spec.template ?? {});
    const all = api.list(refs.replicaSets, { namespace }).items.filter((rs) => isControlledBy(rs, d));
    let newRS = all.find((rs) => rs.metadata.labels?.[POD_TEMPLATE_HASH] === hash);
    let old = all
      .filter((rs) => rs !== newRS)
      .sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''));
    const maxOldRevision = Math.max(0, ...old.map(revisionOf));
    let created = false;
    const annotationsFor = (revision: number): Record<string, string> => ({
      [REVISION_ANNOTATION]: String(revision),
      [DESIRED_ANNOTATION]: String(replicas),
      [MAX_ANNOTATION]: String(replicas + (recreate ? 0 : maxSurge)),
    });

    if (!spec.paused) {
      if (!newRS) {
        const activeOld = old.some((rs) => replicasOf(rs) > 0);
        const initial =
          recreate && activeOld
            ? 0
            : Math.min(
                replicas,
                activeOld
                  ? Math.max(0, replicas + maxSurge - old.reduce((s, rs) => s + replicasOf(rs), 0))
                  : replicas,
              );
        newRS = createReplicaSet(d, hash, initial, annotationsFor(maxOldRevision + 1));
        created = true;
      }
      const revision = revisionOf(newRS) > maxOldRevision ? revisionOf(newRS) : maxOldRevision + 1;
      const annotations = annotationsFor(revision);
      if (recreate) {
        old = old.map((rs) => (replicasOf(rs) > 0 ? scale(rs, 0, d, {}) : rs));
        const oldPods = old.reduce((s, rs) => s + (statusOf(rs).replicas ?? 0), 0);
        newRS = scale(newRS, oldPods > 0 ? replicasOf(newRS) : replicas, d, annotations);
      } else {
        newRS = rollingUpdate(d, newRS, old, replicas, maxSurge, maxUnavailable, annotations);
        old = api
          .list(refs.replicaSets, { namespace })
          .items.filter((rs) => isControlledBy(rs, d) && rs.metadata.uid !== newRS!.metadata.uid);
      }
      cleanupHistory(old, spec.revisionHistoryLimit ?? 10);
      if (d.metadata.annotations?.[REVISION_ANNOTATION] !== String(revision)) {
        api.patch(refs.deployments, namespace, name, 'merge', {
          metadata: { annotations: { [REVISION_ANNOTATION]: String(revision) } },
        });
      }
    }
    const recheck = writeStatus(d, newRS, old, replicas, maxUnavailable, created);
    return recheck === undefined ? undefined : { requeueAfterMs: Math.min(recheck, 60_000) };
  }

  function createReplicaSet(
    d: KubeObject,
    hash: string,
    replicas: number,
    annotations: Record<string, string>,
  ): KubeObject {
    const spec = d.spec as DeploymentSpec;
    const template = clone(spec.template ?? {});
    template.metadata = {
      ...(template.metadata ?? {}),
      labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash },
    };
    const selector: LabelSelector = clone(spec.selector ?? {});
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash };
    const name = `${d.metadata.name}-${hash}`;
    try {
      const rs = api.create(refs.replicaSets, d.metadata.namespace, {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name,
          namespace: d.metadata.namespace,
          labels: template.metadata.labels,
          annotations,
          ownerReferences: [controllerRef(d, 'apps/v1', 'Deployment')],
        },
        spec: { replicas, minReadySeconds: spec.minReadySeconds ?? 0, selector, template },
      });
      ctx.events.record(
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled up replica set ${name} from 0 to ${replicas}`,
        COMPONENT,
      );
      return rs;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      // Left by an earlier, interrupted reconcile (or a hash collision): use it if it is ours.
      const existing = api.get(refs.replicaSets, d.metadata.namespace, name);
      if (!isControlledBy(existing, d)) throw err;
      return existing;
    }
  }

  function rollingUpdate(
    d: KubeObject,
    newRS: KubeObject,
    old: KubeObject[],
    replicas: number,
    maxSurge: number,
    maxUnavailable: number,
    annotations: Record<string, string>,
  ): KubeObject {
    const total = (): number => replicasOf(newRS) + old.reduce((s, rs) => s + replicasOf(rs), 0);
    // Scale the new set up within the surge budget (or straight down to the target).
    let target = replicasOf(newRS);
    if (target < replicas) {
      const room = replicas + maxSurge - total();
      if (room > 0) target += Math.min(room, replicas - target);
    } else if (target > replicas) {
      target = replicas;
    }
    newRS = scale(newRS, target, d, annotations);
    // Scale old sets down as far as availability allows, unhealthy replicas first.
    const activeOld = old.filter((rs) => replicasOf(rs) > 0);
    if (activeOld.length === 0) return newRS;
    const minAvailable = replicas - maxUnavailable;
    const newUnavailable = replicasOf(newRS) - (statusOf(newRS).availableReplicas ?? 0);
    let budget = total() - minAvailable - Math.max(0, newUnavailable);
    if (budget <= 0) return newRS;
    for (let i = 0; i < old.length && budget > 0; i++) {
      const rs = old[i];
      const unhealthy = replicasOf(rs) - (statusOf(rs).availableReplicas ?? 0);
      const cut = Math.min(Math.max(0, unhealthy), budget);
      if (cut > 0) {
        old[i] = scale(rs, replicasOf(rs) - cut, d, {});
        budget -= cut;
      }
    }
    const available =
      (statusOf(newRS).availableReplicas ?? 0) +
      old.reduce((s, rs) => s + Math.min(replicasOf(rs), statusOf(rs).availableReplicas ?? 0), 0);
    let cut = available - minAvailable;
    for (let i = 0; i < old.length && cut > 0; i++) {
      const rs = old[i];
      const n = Math.min(replicasOf(rs), cut);
      if (n > 0) {
        old[i] = scale(rs, replicasOf(rs) - n, d, {});
        cut -= n;
      }
    }
    return newRS;
  }

  function cleanupHistory(old: KubeObject[], limit: number): void {
    const idle = old
      .filter(
        (rs) => replicasOf(rs) === 0 && (statusOf(rs).replicas ?? 0) === 0 && !rs.metadata.deletionTimestamp,
      )
      .sort((a, b) => revisionOf(a) - revisionOf(b));
    for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) {
      ignoreNotFound(() =>
        api.delete(refs.replicaSets, rs.metadata.namespace, rs.metadata.name!, {
          preconditions: { uid: rs.metadata.uid },
        }),
      );
    }
  }

  function writeStatus(
    d: KubeObject,
    newRS: KubeObject | undefined,
    old: KubeObject[],
    replicas: number,
    maxUnavailable: number,
    created: boolean,
  ): number | undefined {
    const all = newRS ? [newRS, ...old] : old;
    const sum = (f: (s: RsStatus) => number | undefined): number =>
      all.reduce((n, rs) => n + (f(statusOf(rs)) ?? 0), 0);
    const specTotal = all.reduce((n, rs) => n + replicasOf(rs), 0);
    const available = sum((s) => s.availableReplicas);
    const updated = newRS ? (statusOf(newRS).replicas ?? 0) : 0;
    const podCount = sum((s) => s.replicas);
    const now = ctx.clock.now();
    const previous = (d.status as { conditions?: Condition[] } | undefined)?.conditions;
    let conditions = setCondition(
      previous,
      available >= replicas - maxUnavailable
        ? {
            type: 'Available',
            status: 'True',
            reason: 'MinimumReplicasAvailable',
            message: 'Deployment has minimum availability.',
          }
        : {
            type: 'Available',
            status: 'False',
            reason: 'MinimumReplicasUnavailable',
            message: 'Deployment does not have minimum availability.',
          },
      now,
    );
    const rsName = newRS?.metadata.name ?? '';
    const complete =
      newRS !== undefined && updated === replicas && available >= replicas && podCount === updated;
    const before = (d.status ?? {}) as RsStatus & { updatedReplicas?: number };
    const progressed =
      created ||
      before.updatedReplicas !== updated ||
      before.availableReplicas !== available ||
      before.replicas !== podCount;
    const oldProgressing = previous?.find((c) => c.type === 'Progressing');
    const deadlineMs =
      ((d.spec as { progressDeadlineSeconds?: number }).progressDeadlineSeconds ?? 600) * 1000;
    const since = oldProgressing?.lastUpdateTime ? Date.parse(oldProgressing.lastUpdateTime) : now.getTime();
    // Once exceeded, the deadline stays exceeded until the rollout makes progress again.
    const stalled =
      !complete &&
      !progressed &&
      oldProgressing?.reason !== 'NewReplicaSetAvailable' &&
      (oldProgressing?.reason === 'ProgressDeadlineExceeded' || now.getTime() - since >= deadlineMs);
    const progressing = complete
      ? {
          status: 'True' as const,
          reason: 'NewReplicaSetAvailable',
          message: `ReplicaSet "${rsName}" has successfully progressed.`,
        }
      : stalled
        ? {
            status: 'False' as const,
            reason: 'ProgressDeadlineExceeded',
            message: `ReplicaSet "${rsName}" has timed out progressing.`,
          }
        : created
          ? {
              status: 'True' as const,
              reason: 'NewReplicaSetCreated',
              message: `Created new replica set "${rsName}"`,
            }
          : {
              status: 'True' as const,
              reason: 'ReplicaSetUpdated',
              message: `ReplicaSet "${rsName}" is progressing.`,
            };
    conditions = setCondition(conditions, { type: 'Progressing', ...progressing }, now);
    const stamp = metaTime(now);
    conditions = conditions.map((c) => {
      if (c.type === 'Progressing') {
        const same = oldProgressing?.reason === c.reason && oldProgressing?.message === c.message;
        const keep = same && !progressed && oldProgressing?.lastUpdateTime;
        return { ...c, lastUpdateTime: keep ? oldProgressing.lastUpdateTime : stamp };
      }
      if (c.type === 'Available') {
        const before = previous?.find((p) => p.type === 'Available');
        return {
          ...c,
          lastUpdateTime:
            before?.status === c.status && before.lastUpdateTime ? before.lastUpdateTime : stamp,
        };
      }
      return c;
    });
    const status = {
      observedGeneration: d.metadata.generation,
      replicas: podCount,
      updatedReplicas: updated,
      readyReplicas: sum((s) => s.readyReplicas),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, specTotal - available),
      conditions,
    };
    ignoreNotFound(() =>
      api.patch(
        refs.deployments,
        d.metadata.namespace,
        d.metadata.name!,
        'merge',
        { status },
        { subresource: 'status' },
      ),
    );
    // While a rollout is under way, look again when its progress deadline would pass.
    return complete || stalled ? undefined : Math.max(100, deadlineMs - (now.getTime() - since));
  }

  return controller;
}
