import type { RestoreItemAction } from '../types.ts';

/**
 * Pods: finished pods and mirror pods are not restored; a restored pod is scheduled afresh (`nodeName`
 * cleared), gets its priority from its class again, and loses volumes of old generated token Secrets.
 */
export const podAction: RestoreItemAction = {
  name: 'lifeboat.io/pod',
  appliesTo: () => ({ includedResources: ['pods'] }),
  execute({ item, itemFromBackup }) {
    const phase = (itemFromBackup.status as { phase?: string } | undefined)?.phase;
    if (phase === 'Succeeded' || phase === 'Failed')
      return { updatedItem: item, skipRestore: true, skipReason: `pod is ${phase}` };
    if (item.metadata?.annotations?.['kubernetes.io/config.mirror'] !== undefined)
      return { updatedItem: item, skipRestore: true, skipReason: 'mirror pod' };
    const spec = (item.spec ?? {}) as Record<string, unknown>;
    delete spec.nodeName;
    delete spec.priority;
    const sa = (spec.serviceAccountName as string | undefined) ?? (spec.serviceAccount as string | undefined);
    if (sa) {
      const tokenPrefix = `${sa}-token-`;
      const volumes = (spec.volumes as { name: string }[] | undefined) ?? [];
      const dropped = new Set(volumes.filter((v) => v.name.startsWith(tokenPrefix)).map((v) => v.name));
      if (dropped.size > 0) {
        spec.volumes = volumes.filter((v) => !dropped.has(v.name));
        for (const list of ['containers', 'initContainers'] as const) {
          for (const c of (spec[list] as { volumeMounts?: { name: string }[] }[] | undefined) ?? [])
            if (c.volumeMounts) c.volumeMounts = c.volumeMounts.filter((m) => !dropped.has(m.name));
        }
      }
    }
    const claims = ((spec.volumes as { persistentVolumeClaim?: { claimName?: string } }[] | undefined) ?? [])
      .map((v) => v.persistentVolumeClaim?.claimName)
      .filter((n): n is string => Boolean(n));
    return {
      updatedItem: item,
      additionalItems: claims.map((name) => ({
        groupResource: 'persistentvolumeclaims',
        namespace: itemFromBackup.metadata?.namespace,
        name,
      })),
    };
  },
};
