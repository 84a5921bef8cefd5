import type { RestoreItemAction } from '../types.ts';

/** (Cluster)RoleBindings: ServiceAccount subjects follow their namespace's mapping. */
export function roleBindingsAction(namespaceMapping: Record<string, string>): RestoreItemAction {
  return {
    name: 'lifeboat.io/role-bindings',
    appliesTo: () => ({
      includedResources: [
        'rolebindings.rbac.authorization.k8s.io',
        'clusterrolebindings.rbac.authorization.k8s.io',
      ],
    }),
    execute({ item }) {
      for (const subject of (item.subjects as { kind?: string; namespace?: string }[] | undefined) ?? []) {
        if (subject.kind === 'ServiceAccount' && subject.namespace && namespaceMapping[subject.namespace])
          subject.namespace = namespaceMapping[subject.namespace];
      }
      return { updatedItem: item };
    },
  };
}
