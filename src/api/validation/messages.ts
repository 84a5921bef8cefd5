import type { z } from 'zod';

/**
 * Replaces zod's default issue messages with ones a person fixing a manifest understands: "is required"
 * rather than "Invalid input: expected string, received undefined", the allowed values of an enum, and the
 * expected form of times. Used as zod's per-parse error map; messages set on a schema (durations, label
 * selectors) take precedence over it.
 */
export function issueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${expectedType(issue.expected)} (got ${describeValue(issue.input)})`;
    case 'invalid_value':
      if (issue.values.length === 1)
        return `must be ${quote(issue.values[0])} (got ${describeValue(issue.input)})`;
      return `must be one of ${issue.values.map(quote).join(', ')} (got ${describeValue(issue.input)})`;
    case 'too_small':
      return tooSmall(issue);
    case 'too_big':
      return tooBig(issue);
    case 'invalid_format':
      return invalidFormat(issue);
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    default:
      return undefined;
  }
}

function tooSmall(issue: z.core.$ZodRawIssue<z.core.$ZodIssueTooSmall>): string {
  const min = Number(issue.minimum);
  switch (issue.origin) {
    case 'array':
    case 'set':
      return min === 1 ? 'must have at least one item' : `must have at least ${min} items`;
    case 'string':
      return min === 1 ? 'must not be empty' : `must be at least ${min} characters long`;
    default:
      return issue.inclusive === false ? `must be greater than ${min}` : `must be at least ${min}`;
  }
}

function tooBig(issue: z.core.$ZodRawIssue<z.core.$ZodIssueTooBig>): string {
  const max = Number(issue.maximum);
  switch (issue.origin) {
    case 'array':
    case 'set':
      return `must have at most ${max} items`;
    case 'string':
      return `must be at most ${max} characters long`;
    default:
      return issue.inclusive === false ? `must be less than ${max}` : `must be at most ${max}`;
  }
}

function invalidFormat(issue: z.core.$ZodRawIssue<z.core.$ZodIssueInvalidStringFormat>): string | undefined {
  const got = describeValue(issue.input);
  switch (issue.format) {
    case 'datetime':
      return `must be an RFC 3339 time such as 2024-05-01T12:00:00Z (got ${got})`;
    case 'url':
      return `must be an http or https URL (got ${got})`;
    case 'base64':
      return 'must be base64-encoded';
    default:
      return undefined;
  }
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'an object (a map of fields)',
  array: 'a list',
  record: 'a map of keys to values',
  null: 'null',
};

function expectedType(expected: string): string {
  return TYPE_NAMES[expected] ?? expected;
}

/** A short description of a value for "(got …)": its JSON for scalars, its kind for containers. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string')
    return value.length > 60 ? `${JSON.stringify(value.slice(0, 57))}…` : JSON.stringify(value);
  return String(value);
}

function quote(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
