/**
 * Query parameters of the streaming subresources, read the way the API server's Go conversion reads them
 * (`strconv.ParseBool`, `strconv.ParseInt`), with a message naming the parameter when a value is unreadable.
 */

export class QueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryError';
  }
}

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** A boolean parameter; absent or empty is false. Repeated parameters use the first value, as Go does. */
export function boolParam(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  if (value === null || value === '') return false;
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw new QueryError(`invalid value "${value}" for query parameter ${name}: must be a boolean`);
}

/** An integer parameter; undefined when absent or empty. */
export function intParam(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null || value === '') return undefined;
  if (!/^[+-]?\d+$/.test(value)) {
    throw new QueryError(`invalid value "${value}" for query parameter ${name}: must be an integer`);
  }
  return Number(value);
}
