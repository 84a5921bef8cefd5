import { deletionOrder, type PodTemplate, podFromTemplate } from './pod-template.ts';
import { ignoreNotFound } from './runtime/api-errors.ts';
import type { ClusterContext } from './runtime/context.ts';
import { Controller } from './runtime/controller.ts';
import { objectKey, splitKey } from './runtime/informer.ts';
import { controllerOf, isControlledBy, isPodActive, isPodAvailable, isPodReady } from './runtime/objects.ts';
import { type LabelSelector, matchesLabelSelector } from './runtime/selectors.ts';

type ReplicaSetSpec = {
  replicas?: number;
  minReadySeconds?: number;
  selector?: LabelSelector;
  template?: PodTemplate;
};

/**
 * The ReplicaSet controller: keeps `spec.replicas` active pods (created from the template with a controller
 * reference, `generateName: <rs>-`), deletes surplus ones in the order the real controller does, and writes
 * replicas/fullyLabeled/ready/available/observedGeneration. Pods are counted from a live list, so a
 * reconcile never acts on a cache that has not caught up with its own writes.
 */
export function startReplicaSetController(ctx: ClusterContext): Controller {
  const { api, refs, informers } = ctx;
  const replicaSets = informers.get(refs.replicaSets);
  const pods = informers.get(refs.pods);
  const controller = new Controller(ctx, 'replicaset', (key) => reconcile(key));
  controller.watch(replicaSets, objectKey);
  controller.watch(pods, (pod) => {
    const owner = controllerOf(pod);
    return owner?.kind === 'ReplicaSet' ? `${pod.metadata.namespace}/${owner.name}` : undefined;
  });
  controller.resync(() => replicaSets.list().map(objectKey));

  function reconcile(key: string): { requeueAfterMs: number } | undefined {
    const { namespace, name } = splitKey(key);
    const rs = ignoreNotFound(() => api.get(refs.replicaSets, namespace, name));
    if (!rs) return undefined;
    const spec = rs.spec as ReplicaSetSpec;
    const owned = api.list(refs.pods, { namespace }).items.filter((p) => isControlledBy(p, rs));
    const active = owned.filter(isPodActive);
    const want = spec.replicas ?? 1;
    if (!rs.metadata.deletionTimestamp) {
      if (active.length < want) {
        for (let i = active.length; i < want; i++) {
          const pod = api.create(
            refs.pods,
            namespace,
            podFromTemplate(
              spec.template ?? {},
              rs,
              { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
              { generateName: `${name}-` },
            ),
          );
          active.push(pod);
          ctx.events.record(
            rs,
            'Normal',
            'SuccessfulCreate',
            `Created pod: ${pod.metadata.name}`,
            'replicaset-controller',
          );
        }
      } else if (active.length > want) {
        const surplus = [...active].sort(deletionOrder).slice(0, active.length - want);
        for (const pod of surplus) {
          ignoreNotFound(() =>
            api.delete(refs.pods, namespace, pod.metadata.name!, {
              preconditions: { uid: pod.metadata.uid },
            }),
          );
          ctx.events.record(
            rs,
            'Normal',
            'SuccessfulDelete',
            `Deleted pod: ${pod.metadata.name}`,
            'replicaset-controller',
          );
        }
        const gone = new Set(surplus.map((p) => p.metadata.uid));
        active.splice(0, active.length, ...active.filter((p) => !gone.has(p.metadata.uid)));
      }
    }
    const now = ctx.clock.now();
    const minReady = spec.minReadySeconds ?? 0;
    const ready = active.filter(isPodReady);
    const available = active.filter((p) => isPodAvailable(p, minReady, now));
    const status = {
      replicas: active.length,
      fullyLabeledReplicas: active.filter((p) => matchesLabelSelector(spec.selector, p.metadata.labels))
        .length,
      readyReplicas: ready.length,
      availableReplicas: available.length,
      observedGeneration: rs.metadata.generation,
    };
    ignoreNotFound(() =>
      api.patch(refs.replicaSets, namespace, name, 'merge', { status }, { subresource: 'status' }),
    );
    // A ready pod becomes available only once minReadySeconds have passed: look again then.
    return ready.length > available.length ? { requeueAfterMs: 1000 } : undefined;
  }

  return controller;
}
