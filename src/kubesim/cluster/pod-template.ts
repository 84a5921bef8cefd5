import type { KubeObject } from '../registry/types.ts';
import { clone, controllerRef } from './runtime/objects.ts';

export type PodTemplate = {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
  spec?: Record<string, unknown>;
};

/** A Pod made from a workload's template, controlled by the workload (what every pod controller creates). */
export function podFromTemplate(
  template: PodTemplate,
  owner: KubeObject,
  owned: { apiVersion: string; kind: string },
  naming: { name: string } | { generateName: string },
  extra: { labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): KubeObject {
  const labels = { ...(template.metadata?.labels ?? {}), ...(extra.labels ?? {}) };
  const annotations = { ...(template.metadata?.annotations ?? {}), ...(extra.annotations ?? {}) };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...naming,
      namespace: owner.metadata.namespace,
      labels,
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      ownerReferences: [controllerRef(owner, owned.apiVersion, owned.kind)],
    },
    spec: clone(template.spec ?? {}),
  };
}

/** Among pods to delete, the ones a real controller gives up first: unscheduled, pending, not ready, newest. */
export function deletionOrder(a: KubeObject, b: KubeObject): number {
  const rank = (p: KubeObject): number => {
    if (!(p.spec as { nodeName?: string } | undefined)?.nodeName) return 0;
    const phase = (p.status as { phase?: string } | undefined)?.phase;
    if (phase === 'Pending' || phase === undefined) return 1;
    const ready = (
      p.status as { conditions?: { type: string; status: string }[] } | undefined
    )?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    return ready ? 3 : 2;
  };
  const r = rank(a) - rank(b);
  if (r !== 0) return r;
  return (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '');
}
