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
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Decoded non-empty path segments, or undefined when one is not valid percent-encoding. */
function splitSegments(pathname: string): string[] | undefined {
  const segments: string[] = [];
  // A hand-rolled split: this runs for every request, and split/filter/map cost more than the rest of routing.
  let start = 0;
  for (let i = 0; i <= pathname.length; i++) {
    if (i === pathname.length || pathname.charCodeAt(i) === 47 /* / */) {
      if (i > start) {
        const d = decode(pathname.slice(start, i));
        if (d === undefined) return undefined;
        segments.push(d);
      }
      start = i + 1;
    }
  }
  return segments;
}

export function parsePath(pathname: string): Route {
  const segments = splitSegments(pathname);
  if (!segments) return { kind: 'unknown' };
  const first = segments[0];
  const rest = segments.slice(1);
  switch (first) {
    case 'version':
      return rest.length === 0 ? { kind: 'version' } : { kind: 'unknown' };
    case 'healthz':
    case 'livez':
    case 'readyz':
      return { kind: 'health', check: segments.join('/') };
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
      return resourcePath('', rest[0], segments, 2);
    case 'apis':
      if (rest.length === 0) return { kind: 'discovery-root', legacy: false };
      if (rest.length === 1) return { kind: 'discovery-group', group: rest[0] };
      return resourcePath(rest[0], rest[1], segments, 3);
    default:
      return { kind: 'unknown' };
  }
}

/** The part of a `/api/v1/...` or `/apis/{g}/{v}/...` path after the group version, which starts at `at`. */
function resourcePath(group: string, version: string, s: string[], at: number): Route {
  const n = s.length - at;
  if (n === 0) return { kind: 'discovery-resources', group, version };
  let namespace: string | undefined;
  let i = at;
  if (s[at] === 'namespaces' && n >= 3) {
    namespace = s[at + 1];
    // `/api/v1/namespaces/{x}/status|finalize` are subresources of namespace x, not resources in it.
    if (group === '' && n === 3 && NAMESPACE_SUBRESOURCES.has(s[at + 2])) {
      return {
        kind: 'resource',
        group,
        version,
        resource: 'namespaces',
        name: namespace,
        subresource: s[at + 2],
      };
    }
    i = at + 2;
  }
  const left = s.length - i;
  if (left > 3) return { kind: 'unknown' };
  const route: ResourceRoute = { kind: 'resource', group, version, resource: s[i] };
  if (namespace !== undefined) route.namespace = namespace;
  return withOptional(route, s[i + 1], s[i + 2]);
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
