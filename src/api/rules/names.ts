/**
 * Name checks the rules share: namespace names (RFC 1123 labels) and the glob patterns Velero allows where
 * namespaces are selected (`*`, `?`, `[abc]`).
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Why `name` is not a valid namespace name, or undefined when it is. */
export function namespaceNameProblem(name: string): string | undefined {
  if (name.length > 63)
    return `${JSON.stringify(name)} is longer than 63 characters, too long for a namespace`;
  if (!DNS1123_LABEL.test(name)) {
    return (
      `${JSON.stringify(name)} is not a valid namespace name: use lower case letters, digits and '-', ` +
      'starting and ending with a letter or digit'
    );
  }
  return undefined;
}

/**
 * Why `pattern` is neither a namespace name nor a glob over namespace names, or undefined when it is fine.
 * The empty string is allowed: Velero reads it as "no namespace" (cluster-scoped objects).
 */
export function namespacePatternProblem(pattern: string): string | undefined {
  if (pattern === '' || pattern === '*') return undefined;
  const bracket = bracketProblem(pattern);
  if (bracket !== undefined) return `${JSON.stringify(pattern)} is not a valid pattern: ${bracket}`;
  // Wildcards stand for valid characters, so the pattern is a name once each is replaced by one.
  const stand = pattern.replace(/\[[^\]]*\]/g, 'x').replace(/[*?]/g, 'x');
  if (!DNS1123_LABEL.test(stand)) {
    return (
      `${JSON.stringify(pattern)} can never match a namespace: namespace names use lower case letters, ` +
      "digits and '-', starting and ending with a letter or digit"
    );
  }
  // `*` may match nothing, so only a pattern without one has a fixed minimum length to check.
  if (stand.length > 63 && !pattern.includes('*')) {
    return `${JSON.stringify(pattern)} can never match a namespace: namespace names have at most 63 characters`;
  }
  return undefined;
}

function bracketProblem(pattern: string): string | undefined {
  let open = false;
  let empty = false;
  for (const ch of pattern) {
    if (ch === '[') {
      if (open) return 'brackets cannot be nested';
      open = true;
      empty = true;
    } else if (ch === ']') {
      if (!open) return "']' without a matching '['";
      if (empty) return "'[]' is empty";
      open = false;
    } else if (open) {
      empty = false;
    }
  }
  return open ? "'[' is not closed" : undefined;
}
