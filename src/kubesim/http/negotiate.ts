/**
 * Accept header negotiation for the few forms kubesim answers besides plain JSON: Table (`as=Table`) and
 * aggregated discovery (`as=APIGroupDiscoveryList;v=v2`).
 */

type MediaRange = { type: string; params: Record<string, string> };

function parseAccept(accept: string | undefined): MediaRange[] {
  if (!accept) return [];
  return accept.split(',').map((part) => {
    const [type, ...params] = part.split(';').map((s) => s.trim());
    const map: Record<string, string> = {};
    for (const p of params) {
      const eq = p.indexOf('=');
      if (eq > 0) map[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
    }
    return { type: type.toLowerCase(), params: map };
  });
}

/** Whether the client asks for a meta.k8s.io Table (v1 or v1beta1) before anything else it accepts. */
export function wantsTable(accept: string | undefined): boolean {
  for (const r of parseAccept(accept)) {
    if (r.params.as === 'Table' && (r.params.g === 'meta.k8s.io' || r.params.g === undefined)) return true;
    if (r.params.as === undefined) return false;
  }
  return false;
}

export const AGGREGATED_DISCOVERY_TYPE =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** Whether the client asks for aggregated discovery v2 (kubectl 1.32 does, client-node does not). */
export function wantsAggregatedDiscovery(accept: string | undefined): boolean {
  return parseAccept(accept).some(
    (r) =>
      r.params.as === 'APIGroupDiscoveryList' && r.params.g === 'apidiscovery.k8s.io' && r.params.v === 'v2',
  );
}
