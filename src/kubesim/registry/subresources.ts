import type { ResourceType } from './types.ts';

/**
 * What each subresource of a type is in discovery: the kind its responses have (with group and version
 * when they differ from the parent's, as for `x/scale` → autoscaling/v1 Scale), and the verbs it serves.
 */
export type SubresourceInfo = {
  name: string;
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
};

const GET_PATCH_UPDATE = ['get', 'patch', 'update'];
const CONNECT = ['create', 'get'];
const PROXY = ['create', 'delete', 'get', 'patch', 'update'];

function other(name: string, parentKind: string): SubresourceInfo {
  switch (name) {
    case 'log':
      return { name, kind: parentKind, verbs: ['get'] };
    case 'exec':
      return { name, kind: 'PodExecOptions', verbs: CONNECT };
    case 'attach':
      return { name, kind: 'PodAttachOptions', verbs: CONNECT };
    case 'portforward':
      return { name, kind: 'PodPortForwardOptions', verbs: CONNECT };
    case 'proxy':
      return { name, kind: `${parentKind}ProxyOptions`, verbs: PROXY };
    case 'binding':
      return { name, kind: 'Binding', verbs: ['create'] };
    case 'eviction':
      return { name, kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] };
    case 'ephemeralcontainers':
      return { name, kind: parentKind, verbs: GET_PATCH_UPDATE };
    case 'token':
      return { name, kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] };
    case 'finalize':
      return { name, kind: parentKind, verbs: ['update'] };
    default:
      return { name, kind: parentKind, verbs: GET_PATCH_UPDATE };
  }
}

/** The subresources of `type`, sorted by name (the order discovery lists them in). */
export function subresourcesOf(type: ResourceType): SubresourceInfo[] {
  const out: SubresourceInfo[] = [];
  if (type.subresources.status) out.push({ name: 'status', kind: type.kind, verbs: GET_PATCH_UPDATE });
  if (type.subresources.scale) {
    out.push({ name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: GET_PATCH_UPDATE });
  }
  for (const name of type.subresources.other ?? []) out.push(other(name, type.kind));
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
