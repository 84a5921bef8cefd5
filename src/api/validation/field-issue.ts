/**
 * One problem with one field of a resource, phrased for the person who wrote it: `field` is a dotted path
 * from the object's root (`spec.includedNamespaces[1]`, `metadata.labels[app.kubernetes.io/name]`),
 * `message` says what is wrong and, where it helps, what would be right.
 */
export type FieldIssue = { field: string; message: string };

export type PathSegment = string | number;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Joins path segments the way Kubernetes prints field paths: `.name` for identifiers, `[3]` for list
 * indexes, `[key]` for map keys that are not identifiers (label keys, namespaces with dashes).
 */
export function formatFieldPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${segment}]`;
  }
  return out;
}

/** `field` with one more segment appended. */
export function childPath(field: string, segment: PathSegment): string {
  const tail = formatFieldPath([segment]);
  if (field === '') return tail;
  return tail.startsWith('[') ? `${field}${tail}` : `${field}.${tail}`;
}
