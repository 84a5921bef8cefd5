import type { KubeObject } from '../../kube/types.ts';
import type { RestoreItemAction } from '../types.ts';

/**
 * Services: cluster IPs are the target cluster's to allocate (cleared unless headless), and node ports too,
 * unless the Restore says `preserveNodePorts` or the port was set explicitly (it appears in the
 * `kubectl.kubernetes.io/last-applied-configuration` annotation).
 */
export const serviceAction: RestoreItemAction = {
  name: 'lifeboat.io/service',
  appliesTo: () => ({ includedResources: ['services'] }),
  execute({ item, restore }) {
    const spec = (item.spec ?? {}) as Record<string, unknown>;
    if (spec.clusterIP !== 'None') {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (restore.spec.preserveNodePorts !== true) {
      const explicit = explicitNodePorts(item);
      const ports = Array.isArray(spec.ports) ? (spec.ports as Record<string, unknown>[]) : [];
      for (const port of ports) {
        if (port.nodePort !== undefined && !explicit.has(Number(port.nodePort))) delete port.nodePort;
      }
      if (spec.healthCheckNodePort !== undefined && !explicit.has(Number(spec.healthCheckNodePort)))
        delete spec.healthCheckNodePort;
    }
    return { updatedItem: item };
  },
};

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

function explicitNodePorts(item: KubeObject): Set<number> {
  const out = new Set<number>();
  const text = item.metadata?.annotations?.[LAST_APPLIED];
  if (!text) return out;
  try {
    const applied = JSON.parse(text) as {
      spec?: { ports?: { nodePort?: number }[]; healthCheckNodePort?: number };
    };
    for (const p of applied.spec?.ports ?? []) if (p.nodePort) out.add(Number(p.nodePort));
    if (applied.spec?.healthCheckNodePort) out.add(Number(applied.spec.healthCheckNodePort));
  } catch {
    // An unreadable annotation names no explicit ports.
  }
  return out;
}
