import type { KubeObject } from '../registry/types.ts';
import type { PodTemplate } from './pod-template.ts';
import { ignoreNotFound, isAlreadyExists } from './runtime/api-errors.ts';
import type { ClusterContext } from './runtime/context.ts';
import { templateHash } from './runtime/hash.ts';
import { clone, controllerRef, isControlledBy } from './runtime/objects.ts';

export type Revision = { name: string; hash: string; revision: number; template: PodTemplate };

function toRevision(cr: KubeObject): Revision {
  const data = cr.data as { spec?: { template?: PodTemplate & { $patch?: string } } } | undefined;
  const template = clone(data?.spec?.template ?? {});
  delete (template as { $patch?: string }).$patch;
  return {
    name: cr.metadata.name!,
    hash: cr.metadata.labels?.['controller-revision-hash'] ?? '',
    revision: Number(cr.revision ?? 0),
    template,
  };
}

/**
 * ControllerRevisions of a StatefulSet or DaemonSet: the pod template of each version, named
 * `<owner>-<hash>`, numbered in order of use (a template brought back gets the next number), as the real
 * controllers keep them for `kubectl rollout history|undo`.
 */
export function syncRevisions(
  ctx: ClusterContext,
  owner: KubeObject,
  ownerKind: 'StatefulSet' | 'DaemonSet',
  template: PodTemplate,
  historyLimit: number,
  keep: string[],
): { update: Revision; all: Revision[] } {
  const { api, refs } = ctx;
  const namespace = owner.metadata.namespace;
  const owned = api
    .list(refs.controllerRevisions, { namespace })
    .items.filter((cr) => isControlledBy(cr, owner));
  const hash = templateHash(template);
  const name = `${owner.metadata.name}-${hash}`;
  const max = Math.max(0, ...owned.map((cr) => Number(cr.revision ?? 0)));
  let current = owned.find((cr) => cr.metadata.name === name);
  if (!current) {
    try {
      current = api.create(refs.controllerRevisions, namespace, {
        apiVersion: 'apps/v1',
        kind: 'ControllerRevision',
        metadata: {
          name,
          namespace,
          labels: { ...(template.metadata?.labels ?? {}), 'controller-revision-hash': hash },
          ownerReferences: [controllerRef(owner, 'apps/v1', ownerKind)],
        },
        data: { spec: { template: { ...clone(template), $patch: 'replace' } } },
        revision: max + 1,
      });
      owned.push(current);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      current = api.get(refs.controllerRevisions, namespace, name);
    }
  } else if (Number(current.revision ?? 0) < max) {
    current = api.patch(refs.controllerRevisions, namespace, name, 'merge', { revision: max + 1 }).object;
  }
  const all = owned.map((cr) => (cr.metadata.name === name ? current! : cr)).map(toRevision);
  const removable = all
    .filter((r) => r.name !== name && !keep.includes(r.name))
    .sort((a, b) => a.revision - b.revision);
  for (const r of removable.slice(0, Math.max(0, removable.length - historyLimit))) {
    ignoreNotFound(() => api.delete(refs.controllerRevisions, namespace, r.name));
  }
  return { update: toRevision(current), all };
}
