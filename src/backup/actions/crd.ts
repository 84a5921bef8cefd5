import type { KubeObject } from '../../kube/types.ts';
import type { BackupItemAction } from '../item-action.ts';

export const CRD_RESOURCE = 'customresourcedefinitions.apiextensions.k8s.io';

/** What the CRD action needs of each CustomResourceDefinition in the cluster. */
export interface CrdSummary {
  /** `<plural>.<group>`: also the `resource.group` of its custom resources. */
  name: string;
  group: string;
  kind: string;
}

/** Reads the summary of a CRD object as listed from the API. */
export function summarizeCrd(crd: KubeObject): CrdSummary | undefined {
  const spec = crd.spec as { group?: string; names?: { kind?: string } } | undefined;
  const name = crd.metadata?.name;
  if (!name || !spec?.group || !spec.names?.kind) return undefined;
  return { name, group: spec.group, kind: spec.names.kind };
}

/**
 * Custom resources bring their CustomResourceDefinition, so a restore into a cluster without it works.
 * It applies only to the resources the given CRDs define; `undefined` when there are none (an empty include
 * list would mean "every resource").
 */
export function crdAction(crds: readonly CrdSummary[]): BackupItemAction | undefined {
  if (crds.length === 0) return undefined;
  const byGroupKind = new Map(crds.map((c) => [`${c.group}/${c.kind}`, c.name]));
  return {
    name: 'lifeboat.io/crd',
    appliesTo: () => ({ includedResources: crds.map((c) => c.name) }),
    async execute(item: KubeObject) {
      const group = (item.apiVersion ?? '').split('/')[0];
      const crd = byGroupKind.get(`${group}/${item.kind}`);
      if (!crd) return { item };
      return { item, additionalItems: [{ groupResource: CRD_RESOURCE, name: crd }] };
    },
  };
}
