import type { KubeObject } from '../../registry/types.ts';

export type LabelSelectorRequirement = { key: string; operator: string; values?: string[] };
export type LabelSelector = {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
};

/**
 * Whether `labels` satisfy a `metav1.LabelSelector`. An empty selector matches everything and a missing one
 * nothing, as in the workload APIs.
 */
export function matchesLabelSelector(
  selector: LabelSelector | undefined | null,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector) return false;
  const have = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (have[k] !== v) return false;
  for (const req of selector.matchExpressions ?? []) {
    const present = Object.hasOwn(have, req.key);
    const value = have[req.key];
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (!present || !values.includes(value)) return false;
        break;
      case 'NotIn':
        if (present && values.includes(value)) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** `spec.selector` of a Service: a plain map; an empty or missing one selects nothing. */
export function matchesMapSelector(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  const have = labels ?? {};
  return Object.entries(selector).every(([k, v]) => have[k] === v);
}

export type NodeSelectorRequirement = { key: string; operator: string; values?: string[] };
export type NodeSelectorTerm = {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
};

function matchesNodeRequirement(req: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || values.length !== 1) return false;
      const have = Number.parseInt(value, 10);
      const want = Number.parseInt(values[0], 10);
      if (Number.isNaN(have) || Number.isNaN(want)) return false;
      return req.operator === 'Gt' ? have > want : have < want;
    }
    default:
      return false;
  }
}

/** A node selector term: every expression (on labels) and field (only `metadata.name`) must hold. */
export function matchesNodeSelectorTerm(term: NodeSelectorTerm, node: KubeObject): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  for (const req of exprs) {
    if (!matchesNodeRequirement(req, Object.hasOwn(labels, req.key) ? labels[req.key] : undefined))
      return false;
  }
  for (const req of fields) {
    const value = req.key === 'metadata.name' ? node.metadata.name : undefined;
    if (!matchesNodeRequirement(req, value)) return false;
  }
  return true;
}

/** `nodeSelectorTerms` are ORed. */
export function matchesNodeSelectorTerms(terms: NodeSelectorTerm[] | undefined, node: KubeObject): boolean {
  if (!terms || terms.length === 0) return true;
  return terms.some((t) => matchesNodeSelectorTerm(t, node));
}

export type Taint = { key: string; value?: string; effect: string };
export type Toleration = { key?: string; operator?: string; value?: string; effect?: string };

export function tolerates(tolerations: Toleration[] | undefined, taint: Taint): boolean {
  return (tolerations ?? []).some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === 'Exists') return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}

/** The label selector query string the API accepts for a LabelSelector (for list calls). */
export function labelSelectorString(selector: LabelSelector | undefined): string {
  if (!selector) return '';
  const parts: string[] = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const r of selector.matchExpressions ?? []) {
    const values = (r.values ?? []).join(',');
    if (r.operator === 'In') parts.push(`${r.key} in (${values})`);
    else if (r.operator === 'NotIn') parts.push(`${r.key} notin (${values})`);
    else if (r.operator === 'Exists') parts.push(r.key);
    else if (r.operator === 'DoesNotExist') parts.push(`!${r.key}`);
  }
  return parts.join(',');
}
