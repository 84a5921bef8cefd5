/**
 * Shell-style globs as Velero accepts them in namespace and resource filters: `*` (any run of characters),
 * `?` (one character) and `[abc]` / `[a-z]` / `[!abc]` (one character of, or not of, a set). Everything else
 * matches itself.
 */

const GLOB_CHARS = /[*?[]/;

/** Whether `pattern` uses any glob syntax (a literal name otherwise). */
export function isGlob(pattern: string): boolean {
  return GLOB_CHARS.test(pattern);
}

/** A matcher for one glob, anchored at both ends. An unterminated `[` matches itself. */
export function compileGlob(pattern: string): (text: string) => boolean {
  if (!isGlob(pattern)) return (text) => text === pattern;
  if (pattern === '*') return () => true;
  const regex = new RegExp(`^${globToRegexSource(pattern)}$`, 's');
  return (text) => regex.test(text);
}

function globToRegexSource(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) {
        out += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      const negated = body.startsWith('!') || body.startsWith('^');
      if (negated) body = body.slice(1);
      out += `[${negated ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else out += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return out;
}

/**
 * Velero's include/exclude pair: excluded when any exclude matches; otherwise included when the includes are
 * empty, contain `*`, or one of them matches.
 */
export class IncludesExcludes {
  readonly includes: readonly string[];
  readonly excludes: readonly string[];
  readonly #include: ((text: string) => boolean)[];
  readonly #exclude: ((text: string) => boolean)[];
  readonly #includeAll: boolean;

  constructor(includes: readonly string[] = [], excludes: readonly string[] = []) {
    this.includes = includes;
    this.excludes = excludes;
    this.#includeAll = includes.length === 0 || includes.includes('*');
    this.#include = includes.map(compileGlob);
    this.#exclude = excludes.map(compileGlob);
  }

  shouldInclude(text: string): boolean {
    if (this.shouldExclude(text)) return false;
    return this.#includeAll || this.#include.some((m) => m(text));
  }

  /** True only when an exclude names `text` (or is `*`). */
  shouldExclude(text: string): boolean {
    return this.#exclude.some((m) => m(text));
  }

  /** Nothing excluded and the includes empty or `*`. */
  includesEverything(): boolean {
    return this.excludes.length === 0 && this.#includeAll;
  }

  /** The includes were given explicitly (not empty, not `*`). */
  hasExplicitIncludes(): boolean {
    return !this.#includeAll;
  }
}
