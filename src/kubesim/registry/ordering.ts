/**
 * The orders a real API server uses in discovery: API groups by the aggregator's group priority (the core
 * group first, built-in groups in a fixed order, everything else, CRD groups included, after them and
 * alphabetically), and versions inside a group in "kube-aware" order (GA before beta before alpha, higher
 * numbers first, non-Kubernetes-looking names last and alphabetically).
 */

/**
 * GroupPriorityMinimum of the built-in groups (kube-aggregator's table as of 1.32). Groups not listed get
 * 1000, the priority the CRD registration controller gives custom resource groups.
 */
const GROUP_PRIORITY: Readonly<Record<string, number>> = {
  '': 18000,
  apps: 17800,
  'events.k8s.io': 17750,
  'authentication.k8s.io': 17700,
  'authorization.k8s.io': 17600,
  autoscaling: 17500,
  batch: 17400,
  'certificates.k8s.io': 17300,
  'networking.k8s.io': 17200,
  policy: 17100,
  'rbac.authorization.k8s.io': 17000,
  'storage.k8s.io': 16800,
  'admissionregistration.k8s.io': 16700,
  'apiextensions.k8s.io': 16700,
  'scheduling.k8s.io': 16600,
  'coordination.k8s.io': 16500,
  'node.k8s.io': 16300,
  'discovery.k8s.io': 16200,
  'flowcontrol.apiserver.k8s.io': 16100,
};

const DEFAULT_GROUP_PRIORITY = 1000;

export function groupPriority(group: string): number {
  return GROUP_PRIORITY[group] ?? DEFAULT_GROUP_PRIORITY;
}

/** Sort comparator: groups in discovery order (higher priority first, then by name). */
export function compareGroups(a: string, b: string): number {
  const byPriority = groupPriority(b) - groupPriority(a);
  if (byPriority !== 0) return byPriority;
  return a < b ? -1 : a > b ? 1 : 0;
}

const KUBE_VERSION = /^v(\d+)(?:(alpha|beta)(\d+))?$/;
const STABILITY = { ga: 3, beta: 2, alpha: 1 } as const;

type ParsedVersion = { stability: number; major: number; minor: number };

function parseKubeVersion(v: string): ParsedVersion | undefined {
  const m = KUBE_VERSION.exec(v);
  if (!m) return undefined;
  const stability = m[2] === 'alpha' ? STABILITY.alpha : m[2] === 'beta' ? STABILITY.beta : STABILITY.ga;
  return { stability, major: Number(m[1]), minor: m[3] === undefined ? 0 : Number(m[3]) };
}

/**
 * Sort comparator for versions, preferred first: v2, v1, v11beta2, v10beta3, v3beta1, v12alpha1,
 * v11alpha2, foo1, foo10 (the example from the APIService documentation).
 */
export function compareVersions(a: string, b: string): number {
  const pa = parseKubeVersion(a);
  const pb = parseKubeVersion(b);
  if (pa && pb) {
    if (pa.stability !== pb.stability) return pb.stability - pa.stability;
    if (pa.major !== pb.major) return pb.major - pa.major;
    return pb.minor - pa.minor;
  }
  if (pa) return -1;
  if (pb) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
