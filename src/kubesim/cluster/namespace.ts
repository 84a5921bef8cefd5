import { ApiError } from '../apiserver/types.ts';
import type { KubeObject } from '../registry/types.ts';
import { ignoreNotFound, isAlreadyExists, isNotFound } from './runtime/api-errors.ts';
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

  function terminate(ns: KubeObject): { requeueAfterMs: number } | undefined {
    const name = ns.metadata.name!;
    const remaining = new Map<string, number>();
    const finalizersLeft = new Map<string, number>();
    for (const ref of ctx.catalog.namespaced()) {
      let items: KubeObject[];
      try {
        items = api.list(ref, { namespace: name }).items;
      } catch (err) {
        if (isNotFound(err)) continue;
        throw err;
      }
      for (const item of items) {
        if (!item.metadata.deletionTimestamp) {
          try {
            const result = api.delete(ref, name, item.metadata.name!, { propagationPolicy: 'Background' });
            if ((result as { kind?: string }).kind === 'Status') continue;
            item.metadata = (result as KubeObject).metadata ?? item.metadata;
          } catch (err) {
            if (isNotFound(err)) continue;
            throw err;
          }
        }
        const still = ignoreNotFound(() => api.get(ref, name, item.metadata.name!));
        if (!still) continue;
        const gr = groupResource(ref);
        remaining.set(gr, (remaining.get(gr) ?? 0) + 1);
        for (const f of still.metadata.finalizers ?? [])
          finalizersLeft.set(f, (finalizersLeft.get(f) ?? 0) + 1);
      }
    }
    const now = ctx.clock.now();
    let conditions = (ns.status as { conditions?: Condition[] } | undefined)?.conditions;
    conditions = setCondition(
      conditions,
      {
        type: 'NamespaceDeletionDiscoveryFailure',
        status: 'False',
        reason: 'ResourcesDiscovered',
        message: 'All resources successfully discovered',
      },
      now,
    );
    conditions = setCondition(
      conditions,
      {
        type: 'NamespaceDeletionGroupVersionParsingFailure',
        status: 'False',
        reason: 'ParsedGroupVersions',
        message: 'All legacy kube types successfully parsed',
      },
      now,
    );
    conditions = setCondition(
      conditions,
      {
        type: 'NamespaceDeletionContentFailure',
        status: 'False',
        reason: 'ContentDeleted',
        message: 'All content successfully deleted, may be waiting on finalization',
      },
      now,
    );
    conditions = setCondition(
      conditions,
      remaining.size > 0
        ? {
            type: 'NamespaceContentRemaining',
            status: 'True',
            reason: 'SomeResourcesRemain',
            message: `Some resources are remaining: ${[...remaining]
              .sort()
              .map(([gr, n]) => `${gr} has ${n} resource instances`)
              .join(', ')}`,
          }
        : {
            type: 'NamespaceContentRemaining',
            status: 'False',
            reason: 'ContentRemoved',
            message: 'All content successfully removed',
          },
      now,
    );
    conditions = setCondition(
      conditions,
      finalizersLeft.size > 0
        ? {
            type: 'NamespaceFinalizersRemaining',
            status: 'True',
            reason: 'SomeFinalizersRemain',
            message: `Some content in the namespace has finalizers remaining: ${[...finalizersLeft]
              .sort()
              .map(([f, n]) => `${f} in ${n} resource instances`)
              .join(', ')}`,
          }
        : {
            type: 'NamespaceFinalizersRemaining',
            status: 'False',
            reason: 'ContentHasNoFinalizers',
            message: 'All content-preserving finalizers finished',
          },
      now,
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
