import type { z } from 'zod';
import { type FieldIssue, formatFieldPath } from './field-issue.ts';
import { issueMessage } from './messages.ts';
import { normalizeForSchema } from './normalize.ts';

export type ValidationOptions = {
  /**
   * What to do with fields the schema does not declare: `reject` (default) reports each as an issue, as
   * `kubectl apply` with strict field validation does; `drop` removes them and reports them as warnings, as
   * the API server's pruning does (use it for objects written by a newer Lifeboat or Velero).
   */
  unknownFields?: 'reject' | 'drop';
};

export type ValidationResult<T> =
  | { ok: true; value: T; warnings: FieldIssue[] }
  | { ok: false; issues: FieldIssue[] };

/**
 * Validates `value` against any of the api schemas (a resource, or a ConfigMap document such as resource
 * policies): unknown fields and non-nullable nulls handled as the API server handles them, zod's checks with
 * readable messages, then `rules` on the parsed value. `prefix` is prepended to every field path.
 */
export function validateDocument<T>(
  schema: z.ZodType<T>,
  value: unknown,
  options: ValidationOptions & { rules?: (parsed: T) => FieldIssue[]; prefix?: FieldIssue[] } = {},
): ValidationResult<T> {
  const issues: FieldIssue[] = [...(options.prefix ?? [])];
  const normalized = normalizeForSchema(schema, value);
  if (options.unknownFields !== 'drop') issues.push(...normalized.unknownFields);
  const parsed = schema.safeParse(normalized.value, { error: issueMessage });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      issues.push({ field: formatFieldPath(issue.path as (string | number)[]), message: issue.message });
    }
    return { ok: false, issues: dedupe(issues) };
  }
  issues.push(...(options.rules?.(parsed.data) ?? []));
  if (issues.length > 0) return { ok: false, issues: dedupe(issues) };
  return {
    ok: true,
    value: parsed.data,
    warnings: options.unknownFields === 'drop' ? normalized.unknownFields : [],
  };
}

function dedupe(issues: FieldIssue[]): FieldIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.field}\u0000${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** `field: message; field: message` — issues as one line, for logs, errors and `status.validationErrors`. */
export function formatIssues(issues: readonly FieldIssue[]): string {
  return issues.map(formatIssue).join('; ');
}

/** One issue as `field: message` (just the message when the issue is about the whole object). */
export function formatIssue(issue: FieldIssue): string {
  return issue.field === '' ? issue.message : `${issue.field}: ${issue.message}`;
}
