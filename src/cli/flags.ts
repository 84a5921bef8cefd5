import type { LabelSelector as LabelSelectorObject } from '../api/index.ts';
import { UsageError } from '../core/errors.ts';
import { parseLabelSelector } from '../core/selectors/index.ts';

/**
 * Parsers of Velero's flag syntaxes, for commander's `.option(flag, description, parser)`. Each throws a
 * UsageError naming the flag, so a typo exits 2 with one line.
 */

/** `a,b,c`; repeated flags add up (`--include-namespaces a --include-namespaces b,c`). */
export function csvList(value: string, previous: string[] | undefined): string[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return [...(previous ?? []), ...items];
}

/** `k=v,k2=v2` into a map; repeated flags add up. */
export function keyValueMap(flag: string) {
  return (value: string, previous: Record<string, string> | undefined): Record<string, string> => {
    const out = { ...(previous ?? {}) };
    for (const pair of value.split(',')) {
      if (pair.trim() === '') continue;
      const eq = pair.indexOf('=');
      if (eq <= 0)
        throw new UsageError(
          `${flag}: expected key=value pairs separated by commas, got ${JSON.stringify(pair)}`,
        );
      out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
    }
    return out;
  };
}

/** `src1:dst1,src2:dst2` (Velero's `--namespace-mappings`). */
export function namespaceMappings(
  value: string,
  previous: Record<string, string> | undefined,
): Record<string, string> {
  const out = { ...(previous ?? {}) };
  for (const pair of value.split(',')) {
    if (pair.trim() === '') continue;
    const parts = pair.split(':');
    if (parts.length !== 2 || parts[0].trim() === '' || parts[1].trim() === '')
      throw new UsageError(
        `--namespace-mappings: expected source:target pairs separated by commas, got ${JSON.stringify(pair)}`,
      );
    out[parts[0].trim()] = parts[1].trim();
  }
  return out;
}

/** `pods=ns1/p1,ns1/p2;persistentvolumeclaims=ns1/c` (Velero's `--ordered-resources`). */
export function orderedResources(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of value.split(';')) {
    if (entry.trim() === '') continue;
    const eq = entry.indexOf('=');
    if (eq <= 0 || entry.slice(eq + 1).trim() === '')
      throw new UsageError(
        `--ordered-resources: expected resource=ns/name,ns/name entries separated by semicolons, got ${JSON.stringify(entry)}`,
      );
    out[entry.slice(0, eq).trim()] = entry.slice(eq + 1).trim();
  }
  return out;
}

/** An optional boolean flag: bare `--flag` is true, `--flag=false` is false. */
export function optionalBool(flag: string) {
  return (value: string | undefined): boolean => {
    if (value === undefined || value === 'true') return true;
    if (value === 'false') return false;
    throw new UsageError(`${flag}: expected true or false, got ${JSON.stringify(value)}`);
  };
}

/** A positive whole number (counts, seconds); durations in Go syntax are left to the schema. */
export function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0)
      throw new UsageError(`${flag}: expected a positive whole number, got ${JSON.stringify(value)}`);
    return n;
  };
}

/**
 * A label selector string (`app=web,tier in (a,b),!legacy`) as the `metav1.LabelSelector` object a resource
 * stores, as apimachinery's `ParseToLabelSelector` builds it: equality goes to matchLabels, the rest to
 * matchExpressions. `>`/`<` have no object form and are refused.
 */
export function labelSelectorObject(flag: string, text: string): LabelSelectorObject {
  let parsed: ReturnType<typeof parseLabelSelector>;
  try {
    parsed = parseLabelSelector(text);
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`);
  }
  const matchLabels: Record<string, string> = {};
  const matchExpressions: NonNullable<LabelSelectorObject['matchExpressions']> = [];
  for (const req of parsed.requirements) {
    switch (req.operator) {
      case '=':
      case '==':
        matchLabels[req.key] = req.values[0];
        break;
      case '!=':
        matchExpressions.push({ key: req.key, operator: 'NotIn', values: [...req.values] });
        break;
      case 'in':
        matchExpressions.push({ key: req.key, operator: 'In', values: [...req.values] });
        break;
      case 'notin':
        matchExpressions.push({ key: req.key, operator: 'NotIn', values: [...req.values] });
        break;
      case 'exists':
        matchExpressions.push({ key: req.key, operator: 'Exists' });
        break;
      case '!':
        matchExpressions.push({ key: req.key, operator: 'DoesNotExist' });
        break;
      default:
        throw new UsageError(
          `${flag}: ${req.key}: the operators > and < cannot be stored in a label selector`,
        );
    }
  }
  const out: LabelSelectorObject = {};
  if (Object.keys(matchLabels).length > 0) out.matchLabels = matchLabels;
  if (matchExpressions.length > 0) out.matchExpressions = matchExpressions;
  return out;
}

/** `a=b or c=d` (Velero's `--or-selector`): one selector per alternative. */
export function orLabelSelectors(text: string): LabelSelectorObject[] {
  return text
    .split(/\s+or\s+/)
    .filter((s) => s.trim() !== '')
    .map((s) => labelSelectorObject('--or-selector', s));
}
