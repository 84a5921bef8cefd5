import { ApiError } from '../apiserver/types.ts';
import type { KubeObject } from '../registry/types.ts';
import { ignoreNotFound, isAlreadyExists } from './runtime/api-errors.ts';
import type { ClusterContext } from './runtime/context.ts';
import { Controller } from './runtime/controller.ts';
import { Informer } from './runtime/informer.ts';
import { type Condition, setCondition } from './runtime/objects.ts';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
const NAMESPACE_FINALIZER = 'kubernetes';

/**
 * The cluster CA bundle published into every namespace. kubesim serves plain HTTP, so no certificate
 * signs anything; this is a stand-in with the real shape (one PEM block) for workloads that read it.
 */
export const CLUSTER_CA_PEM = [
  '-----BEGIN CERTIFICATE-----',
  'a3ViZXNpbSBkb2VzIG5vdCB1c2UgVExTOyB0aGlzIGlzIGEgc3RhbmQtaW4gZm9yIHRoZSBjbHVzdGVy',
  'IENBIGNlcnRpZmljYXRlIHRoYXQgYSByZWFsIGNsdXN0ZXIgcHVibGlzaGVzIGluIGV2ZXJ5IG5hbWVz',
  'cGFjZS4=',
  '-----END CERTIFICATE-----',
  '',
].join('\n');

function groupResource(ref: { type: { group: string; resource: string } }): string {
  return `${ref.type.resource}.${ref.type.group}`;
}

const counted = (map: Map<string, number>, format: (key: string, n: number) => string): string =>
  [...map]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => format(k, n))
    .join(', ');

/** The conditions a terminating namespace carries, with the namespace controller's reasons and messages. */
export function deletionConditions(
  previous: Condition[] | undefined,
  remaining: Map<string, number>,
  finalizers: Map<string, number>,
  now: Date,
): Condition[] {
  const steps: Omit<Condition, 'lastTransitionTime'>[] = [
    {
      type: 'NamespaceDeletionDiscoveryFailure',
      status: 'False',
      reason: 'ResourcesDiscovered',
      message: 'All resources successfully discovered',
    },
    {
      type: 'NamespaceDeletionGroupVersionParsingFailure',
      status: 'False',
      reason: 'ParsedGroupVersions',
      message: 'All legacy kube types successfully parsed',
    },
    {
      type: 'NamespaceDeletionContentFailure',
      status: 'False',
      reason: 'ContentDeleted',
      message: 'All content successfully deleted, may be waiting on finalization',
    },
    remaining.size > 0
      ? {
          type: 'NamespaceContentRemaining',
          status: 'True',
          reason: 'SomeResourcesRemain',
          message: `Some resources are remaining: ${counted(remaining, (gr, n) => `${gr} has ${n} resource instances`)}`,
        }
      : {
          type: 'NamespaceContentRemaining',
          status: 'False',
          reason: 'ContentRemoved',
          message: 'All content successfully removed',
        },
    finalizers.size > 0
      ? {
          type: 'NamespaceFinalizersRemaining',
          status: 'True',
          reason: 'SomeFinalizersRemain',
          message: `Some content in the namespace has finalizers remaining: ${counted(finalizers, (f, n) => `${f} in ${n} resource instances`)}`,
        }
      : {
          type: 'NamespaceFinalizersRemaining',
          status: 'False',
          reason: 'ContentHasNoFinalizers',
          message: 'All content-preserving finalizers finished',
        },
  ];
  return steps.reduce<Condition[]>((list, step) => setCondition(list, step, now), previous ?? []);
}

/**
 * The namespace controller: gives every active namespace its `default` ServiceAccount and the
 * `kube-root-ca.crt` ConfigMap (and puts them back if deleted), and empties a Terminating namespace — every
 * namespaced type the API serves, custom resources included — reporting progress in the namespace's
 * deletion conditions, then removes the `kubernetes` finalizer through `finalize` so the namespace goes.
 */
export function startNamespaceController(ctx: ClusterContext): Controller {
  const { api, refs, informers } = ctx;
  const namespaces = informers.get(refs.namespaces);
  const controller = new Controller(ctx, 'namespace', (name) => reconcile(name), 2);
  controller.watch(namespaces, (ns) => ns.metadata.name);
  // Small caches: only the objects this controller owns in each namespace, never every ConfigMap.
  const defaultAccounts = new Informer(api, refs.serviceAccounts, ctx.logger, {
    fieldSelector: 'metadata.name=default',
  });
  const rootCas = new Informer(api, refs.configMaps, ctx.logger, {
    fieldSelector: `metadata.name=${ROOT_CA_CONFIGMAP}`,
  });
  const onDelete = (obj: KubeObject): void => {
    if (obj.metadata.namespace) controller.queue.add(obj.metadata.namespace);
  };
  defaultAccounts.on({ delete: onDelete });
  rootCas.on({ delete: onDelete });
  defaultAccounts.start();
  rootCas.start();
  controller.resync(() => namespaces.list().map((n) => n.metadata.name!));
  controller.onStop(() => defaultAccounts.stop()).onStop(() => rootCas.stop());

  function reconcile(name: string): { requeueAfterMs: number } | undefined {
    const ns = ignoreNotFound(() => api.get(refs.namespaces, undefined, name));
    if (!ns) return undefined;
    if (!ns.metadata.deletionTimestamp) {
      ensureNamespaceDefaults(name);
      return undefined;
    }
    return terminate(ns);
  }

  function createIfMissing(fn: () => unknown): void {
    try {
      fn();
    } catch (err) {
      // Already there, or the namespace started terminating meanwhile (403): nothing to do either way.
      if (isAlreadyExists(err) || (err instanceof ApiError && (err.code === 403 || err.code === 404))) return;
      throw err;
    }
  }

  function ensureNamespaceDefaults(namespace: string): void {
    if (!defaultAccounts.get(namespace, 'default')) {
      createIfMissing(() =>
        api.create(refs.serviceAccounts, namespace, {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name: 'default', namespace },
        }),
      );
    }
    if (!rootCas.get(namespace, ROOT_CA_CONFIGMAP)) {
      createIfMissing(() =>
        api.create(refs.configMaps, namespace, {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name: ROOT_CA_CONFIGMAP,
            namespace,
            annotations: {
              'kubernetes.io/description':
                'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.',
            },
          },
          data: { 'ca.crt': CLUSTER_CA_PEM },
        }),
      );
    }
  }

  /** Deletes what is left in the namespace; counts what remains, by resource and by finalizer. */
  function deleteContent(namespace: string): {
    remaining: Map<string, number>;
    finalizers: Map<string, number>;
  } {
    const remaining = new Map<string, number>();
    const finalizers = new Map<string, number>();
    const bump = (map: Map<string, number>, key: string): void => {
      map.set(key, (map.get(key) ?? 0) + 1);
    };
    for (const ref of ctx.catalog.namespaced()) {
      const items = ignoreNotFound(() => api.list(ref, { namespace }).items) ?? [];
      for (const item of items) {
        if (!item.metadata.deletionTimestamp) {
          ignoreNotFound(() =>
            api.delete(ref, namespace, item.metadata.name!, { propagationPolicy: 'Background' }),
          );
        }
        const still = ignoreNotFound(() => api.get(ref, namespace, item.metadata.name!));
        if (!still) continue;
        bump(remaining, groupResource(ref));
        for (const f of still.metadata.finalizers ?? []) bump(finalizers, f);
      }
    }
    return { remaining, finalizers };
  }

  function terminate(ns: KubeObject): { requeueAfterMs: number } | undefined {
    const name = ns.metadata.name!;
    const { remaining, finalizers: finalizersLeft } = deleteContent(name);
    const conditions = deletionConditions(
      (ns.status as { conditions?: Condition[] } | undefined)?.conditions,
      remaining,
      finalizersLeft,
      ctx.clock.now(),
    );
    ignoreNotFound(() =>
      api.patch(
        refs.namespaces,
        undefined,
        name,
        'merge',
        { status: { phase: 'Terminating', conditions } },
        { subresource: 'status' },
      ),
    );
    if (remaining.size > 0) return { requeueAfterMs: 200 };
    finalizeNamespace(name);
    return undefined;
  }

  function finalizeNamespace(name: string): void {
    const ns = ignoreNotFound(() => api.get(refs.namespaces, undefined, name));
    if (!ns) return;
    const finalizers = ((ns.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).filter(
      (f) => f !== NAMESPACE_FINALIZER,
    );
    const body: KubeObject = { ...ns, spec: { ...(ns.spec as object), finalizers } };
    ignoreNotFound(() => api.update(refs.namespaces, undefined, name, body, { subresource: 'finalize' }));
  }

  return controller;
}
