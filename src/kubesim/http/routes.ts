/**
 * Path parsing for the API server's URL space (kube-api-surface.md §a). Pure: no registry lookups, so the
 * namespace-subresource ambiguity (`/api/v1/namespaces/x/status|finalize`, pitfall P17) is decided here.
 */
export type Route =
  | { kind: 'version' }
  | { kind: 'health'; check: string }
  | { kind: 'discovery-root'; legacy: boolean }
  | { kind: 'discovery-group'; group: string }
  | { kind: 'discovery-resources'; group: string; version: string }
  | { kind: 'openapi-index' }
  | { kind: 'openapi-doc'; path: string }
  | { kind: 'openapi-v2' }
  | ResourceRoute
  | { kind: 'unknown' };

export type ResourceRoute = {
  kind: 'resource';
  group: string;
  version: string;
  resource: string;
  /** The namespace in the path (`/namespaces/{ns}/...`), for namespaced requests. */
  namespace?: string;
  name?: string;
  subresource?: string;
};

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

export function parsePath(pathname: string): Route {
  const raw = pathname.split('/').filter((s) => s !== '');
  const segments: string[] = [];
  for (const s of raw) {
    const d = decode(s);
    if (d === undefined) return { kind: 'unknown' };
    segments.push(d);
  }
  const [first, ...rest] = segments;
  switch (first) {
    case 'version':
      return rest.length === 0 ? { kind: 'version' } : { kind: 'unknown' };
    case 'healthz':
    case 'livez':
    case 'readyz':
      return { kind: 'health', check: [first, ...rest].join('/') };
    case 'openapi':
      if (rest[0] === 'v2' && rest.length === 1) return { kind: 'openapi-v2' };
      if (rest[0] === 'v3') {
        return rest.length === 1
          ? { kind: 'openapi-index' }
          : { kind: 'openapi-doc', path: rest.slice(1).join('/') };
      }
      return { kind: 'unknown' };
    case 'api':
      if (rest.length === 0) return { kind: 'discovery-root', legacy: true };
      return resourcePath('', rest[0], rest.slice(1));
    case 'apis':
      if (rest.length === 0) return { kind: 'discovery-root', legacy: false };
      if (rest.length === 1) return { kind: 'discovery-group', group: rest[0] };
      return resourcePath(rest[0], rest[1], rest.slice(2));
    default:
      return { kind: 'unknown' };
  }
}

function resourcePath(group: string, version: string, s: string[]): Route {
  const base = { kind: 'resource' as const, group, version };
  if (s.length === 0) return { kind: 'discovery-resources', group, version };
  if (s[0] === 'namespaces' && s.length >= 3) {
    const namespace = s[1];
    // `/api/v1/namespaces/{x}/status|finalize` are subresources of namespace x, not resources in it.
    if (group === '' && s.length === 3 && NAMESPACE_SUBRESOURCES.has(s[2])) {
      return { ...base, resource: 'namespaces', name: namespace, subresource: s[2] };
    }
    const [, , resource, name, subresource, ...extra] = s;
    if (extra.length > 0) return { kind: 'unknown' };
    return withOptional({ ...base, resource, namespace }, name, subresource);
  }
  const [resource, name, subresource, ...extra] = s;
  if (extra.length > 0) return { kind: 'unknown' };
  return withOptional({ ...base, resource }, name, subresource);
}

function withOptional(
  route: ResourceRoute,
  name: string | undefined,
  subresource: string | undefined,
): ResourceRoute {
  if (name !== undefined) route.name = name;
  if (subresource !== undefined) route.subresource = subresource;
  return route;
}
