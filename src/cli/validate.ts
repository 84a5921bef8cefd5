import { formatIssue, type ResourceKind, type ResourceTypes, validateResource } from '../api/index.ts';
import { UsageError } from '../core/errors.ts';

/**
 * Checks a resource built from flags before it is sent: on failure a UsageError (exit 2) lists every issue
 * by field, followed by the flag that set it when `flags` knows one (`spec.ttl: … (--ttl)`).
 */
export function checkResource<K extends ResourceKind>(
  kind: K,
  object: unknown,
  flags: Readonly<Record<string, string>> = {},
): ResourceTypes[K] {
  const result = validateResource(kind, object);
  if (result.ok) return result.value;
  const lines = result.issues.map((issue) => {
    const flag = flagOf(issue.field, flags);
    return `  ${formatIssue(issue)}${flag ? ` (${flag})` : ''}`;
  });
  throw new UsageError(`invalid ${kind}:\n${lines.join('\n')}`, { field: result.issues[0]?.field });
}

/** The flag of the longest field prefix `flags` knows. */
function flagOf(field: string, flags: Readonly<Record<string, string>>): string | undefined {
  let best: string | undefined;
  for (const prefix of Object.keys(flags))
    if (
      (field === prefix || field.startsWith(`${prefix}.`) || field.startsWith(`${prefix}[`)) &&
      (!best || prefix.length > best.length)
    )
      best = prefix;
  return best === undefined ? undefined : flags[best];
}
