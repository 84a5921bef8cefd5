import { LifeboatError } from '../../core/errors.ts';

/**
 * The subset of kubectl's JSONPath that CRD printer columns and selectable fields use: `.a.b`, `['a.b']`,
 * `[0]`, `[-1]`, `[1:3]`, `[*]`, `.*`, `..name`, and filters `[?(@.type=="Ready")]` with ==, !=, <, <=,
 * >, >= or a bare existence test. Missing keys yield no result rather than an error, as with
 * `AllowMissingKeys(true)`. An optional `{…}` wrapper and leading `$` are accepted.
 */

type Literal = string | number | boolean | null;

export type Segment =
  | { kind: 'field'; name: string }
  | { kind: 'wildcard' }
  | { kind: 'recursive' }
  | { kind: 'index'; index: number }
  | { kind: 'slice'; start: number | undefined; end: number | undefined }
  | { kind: 'filter'; path: Segment[]; op: string | undefined; value: Literal };

function syntaxError(expr: string, detail: string): LifeboatError {
  return new LifeboatError('Invalid', `invalid JSONPath ${JSON.stringify(expr)}: ${detail}`);
}

/** Finds the `]` closing the bracket opened at `open`, skipping quoted text and parentheses. */
function closingBracket(expr: string, open: number): number {
  let quote = '';
  let depth = 0;
  for (let i = open + 1; i < expr.length; i++) {
    const c = expr[i];
    if (quote !== '') {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ']' && depth === 0) return i;
  }
  return -1;
}

function unquote(text: string): string | undefined {
  const m = /^(["'])(.*)\1$/s.exec(text.trim());
  return m ? m[2].replace(/\\(.)/g, '$1') : undefined;
}

function parseLiteral(expr: string, text: string): Literal {
  const t = text.trim();
  const quoted = unquote(t);
  if (quoted !== undefined) return quoted;
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (t === 'null') return null;
  if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(t)) return Number(t);
  throw syntaxError(expr, `unrecognized literal ${t}`);
}

function parseFilter(expr: string, body: string): Segment {
  const m = /^@(.*?)\s*(==|!=|<=|>=|<|>)\s*(.+)$/s.exec(body.trim());
  if (m)
    return {
      kind: 'filter',
      path: parseSegments(expr, m[1].trim()),
      op: m[2],
      value: parseLiteral(expr, m[3]),
    };
  const bare = /^@(.*)$/s.exec(body.trim());
  if (!bare) throw syntaxError(expr, `unsupported filter ${body}`);
  return { kind: 'filter', path: parseSegments(expr, bare[1].trim()), op: undefined, value: null };
}

function parseBracket(expr: string, body: string): Segment {
  const text = body.trim();
  if (text === '*') return { kind: 'wildcard' };
  if (text.startsWith('?(') && text.endsWith(')')) return parseFilter(expr, text.slice(2, -1));
  const quoted = unquote(text);
  if (quoted !== undefined) return { kind: 'field', name: quoted };
  if (/^-?\d+$/.test(text)) return { kind: 'index', index: Number(text) };
  const slice = /^(-?\d*):(-?\d*)$/.exec(text);
  if (slice) {
    return {
      kind: 'slice',
      start: slice[1] === '' ? undefined : Number(slice[1]),
      end: slice[2] === '' ? undefined : Number(slice[2]),
    };
  }
  throw syntaxError(expr, `unsupported subscript [${body}]`);
}

function readName(path: string, start: number): { name: string; next: number } {
  let name = '';
  let i = start;
  while (i < path.length && path[i] !== '.' && path[i] !== '[' && !/\s/.test(path[i])) {
    if (path[i] === '\\' && i + 1 < path.length) i++;
    name += path[i];
    i++;
  }
  return { name, next: i };
}

function parseSegments(expr: string, path: string): Segment[] {
  const segments: Segment[] = [];
  let i = 0;
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      if (path[i + 1] === '.') {
        segments.push({ kind: 'recursive' });
        i += 2;
        if (path[i] === '[') continue;
      } else i++;
      if (path[i] === '*') {
        segments.push({ kind: 'wildcard' });
        i++;
        continue;
      }
      const { name, next } = readName(path, i);
      if (name === '') {
        if (i >= path.length) break;
        throw syntaxError(expr, `empty field name at ${i}`);
      }
      segments.push({ kind: 'field', name });
      i = next;
    } else if (c === '[') {
      const end = closingBracket(path, i);
      if (end < 0) throw syntaxError(expr, 'unclosed [');
      segments.push(parseBracket(expr, path.slice(i + 1, end)));
      i = end + 1;
    } else throw syntaxError(expr, `unexpected ${JSON.stringify(c)} at ${i}`);
  }
  return segments;
}

/** Parses a JSONPath expression; throws `Invalid` with the reason when it is outside the subset. */
export function parseJsonPath(expression: string): Segment[] {
  let path = expression.trim();
  if (path.startsWith('{') && path.endsWith('}')) path = path.slice(1, -1).trim();
  if (path.startsWith('$')) path = path.slice(1);
  if (path !== '' && path[0] !== '.' && path[0] !== '[') path = `.${path}`;
  return parseSegments(expression, path);
}

function children(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (value !== null && typeof value === 'object') return Object.values(value);
  return [];
}

function descendants(value: unknown, out: unknown[]): void {
  out.push(value);
  for (const child of children(value)) {
    if (child !== null && typeof child === 'object') descendants(child, out);
  }
}

function compare(left: unknown, op: string, right: Literal): boolean {
  if (op === '==') return left === right;
  if (op === '!=') return left !== right;
  if (typeof left === 'number' && typeof right === 'number') {
    if (op === '<') return left < right;
    if (op === '<=') return left <= right;
    if (op === '>') return left > right;
    return left >= right;
  }
  if (typeof left === 'string' && typeof right === 'string') {
    if (op === '<') return left < right;
    if (op === '<=') return left <= right;
    if (op === '>') return left > right;
    return left >= right;
  }
  return false;
}

function field(value: unknown, name: string, out: unknown[]): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && name in value) {
    out.push((value as Record<string, unknown>)[name]);
  }
}

function index(value: unknown, i: number, out: unknown[]): void {
  if (!Array.isArray(value)) return;
  const at = i < 0 ? value.length + i : i;
  if (at >= 0 && at < value.length) out.push(value[at]);
}

function filter(value: unknown, segment: Extract<Segment, { kind: 'filter' }>, out: unknown[]): void {
  for (const item of children(value)) {
    const found = evaluateSegments(segment.path, item);
    const op = segment.op;
    const keep = op === undefined ? found.length > 0 : found.some((f) => compare(f, op, segment.value));
    if (keep) out.push(item);
  }
}

function stepOne(value: unknown, segment: Segment, out: unknown[]): void {
  switch (segment.kind) {
    case 'field':
      field(value, segment.name, out);
      return;
    case 'wildcard':
      out.push(...children(value));
      return;
    case 'recursive':
      descendants(value, out);
      return;
    case 'index':
      index(value, segment.index, out);
      return;
    case 'slice':
      if (Array.isArray(value)) out.push(...value.slice(segment.start, segment.end));
      return;
    case 'filter':
      filter(value, segment, out);
      return;
  }
}

function step(values: unknown[], segment: Segment): unknown[] {
  const out: unknown[] = [];
  for (const value of values) stepOne(value, segment, out);
  return out;
}

/** Applies parsed segments to `root`; every match, in document order. */
export function evaluateSegments(segments: Segment[], root: unknown): unknown[] {
  let values = [root];
  for (const segment of segments) values = step(values, segment);
  return values;
}

const cache = new Map<string, Segment[]>();

/** Parses (with a small cache) and evaluates `expression` against `root`. */
export function jsonPathValues(expression: string, root: unknown): unknown[] {
  let segments = cache.get(expression);
  if (!segments) {
    segments = parseJsonPath(expression);
    if (cache.size > 1000) cache.clear();
    cache.set(expression, segments);
  }
  return evaluateSegments(segments, root);
}
