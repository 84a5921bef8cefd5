import { z } from 'zod';
import { parseDuration } from '../../core/duration.ts';
import { errorMessage } from '../../core/errors.ts';

/**
 * Field building blocks shared by every resource: Go durations, Kubernetes times, counters, string lists and
 * maps. Each carries the JSON-schema hints the CRD generator needs (`pattern`, `format`) and, under the
 * `x-lifeboat-*` keys the generator strips, the type name the API reference prints.
 */

/**
 * The Go duration syntax (`720h0m0s`, `1h30m`, `90s`, `0`) as an RE2 pattern for the API server to check. It
 * accepts exactly what {@link goDuration} accepts (a test keeps the two in step): no sign other than an
 * optional `+`, no spaces.
 */
export const GO_DURATION_PATTERN = '^(0|\\+?(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|µs|ms|s|m|h))+)$';

/** Why `text` is not a usable duration, or undefined when it is. */
export function durationProblem(text: string): string | undefined {
  if (text.trim() !== text) return `must not have spaces around it (got ${JSON.stringify(text)})`;
  if (text.startsWith('-')) return `must not be negative (got ${JSON.stringify(text)})`;
  try {
    parseDuration(text);
    return undefined;
  } catch (err) {
    return errorMessage(err);
  }
}

/** A non-negative Go duration string such as `720h0m0s` (Kubernetes' `metav1.Duration`). */
export function goDuration() {
  return z
    .string()
    .superRefine((text, ctx) => {
      const problem = durationProblem(text);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: text });
    })
    .meta({ pattern: GO_DURATION_PATTERN, 'x-lifeboat-type': 'duration' });
}

/**
 * A point in time as Kubernetes writes it (`metav1.Time`): RFC 3339, `2024-05-01T12:00:00Z`, with an optional
 * fraction and offset. Nullable, as every time field of Velero's resources is.
 */
export function timestamp() {
  return z.iso.datetime({ offset: true }).meta({ 'x-lifeboat-type': 'time' }).nullable();
}

/** A count that cannot be negative (Go `int`). */
export function count() {
  return z.int().min(0);
}

/** A byte count or other 64-bit quantity that cannot be negative (Go `int64`). */
export function count64() {
  return z.int().min(0).meta({ format: 'int64' });
}

/** A list of strings. */
export function stringList() {
  return z.array(z.string());
}

/** A string-to-string map (`map[string]string`). */
export function stringMap() {
  return z.record(z.string(), z.string());
}

/**
 * Marks a field Lifeboat adds to Velero's resource; the API reference lists these under "differences from
 * Velero". The marker never reaches the CRD.
 */
export function added<T extends z.ZodType>(schema: T): T {
  return schema.meta({ 'x-lifeboat-added': true }) as T;
}
