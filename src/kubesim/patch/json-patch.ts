import { badRequest } from '../apiserver/errors.ts';
import { patchNotApplicable } from './errors.ts';
import { deepCopy, deepEqual, describeJson, isJsonObject, type JsonObject, setOwn } from './json-value.ts';

/**
 * RFC 6902 JSON Patch (`application/json-patch+json`), applied to a copy of the document. A body that is not a
 * list of operations is 400; an operation that cannot apply (a failed `test`, a missing path, an index out of
 * range) is 422 Invalid naming the operation and path, as on the real server.
 */

export type JsonPatchOperation = {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
};

/** Applies the operations in order to a deep copy of `doc`; `doc` is never modified. */
export function applyJsonPatch<T>(doc: T, ops: unknown): T {
  if (!Array.isArray(ops)) {
    throw badRequest(`json patch must be a JSON array of operations, got ${describeJson(ops, 60)}`);
  }
  let root: unknown = deepCopy(doc);
  for (let i = 0; i < ops.length; i++) root = applyOperation(root, ops[i], i);
  return root as T;
}

function applyOperation(root: unknown, raw: unknown, index: number): unknown {
  if (!isJsonObject(raw))
    throw patchNotApplicable(`operation ${index} is not an object: ${describeJson(raw, 60)}`);
  const op = raw.op;
  if (typeof op !== 'string') throw patchNotApplicable(`operation ${index} has no "op"`);
  const path = requirePointer(raw, 'path', op);
  switch (op) {
    case 'add':
      requireValue(raw, op, path);
      return add(root, path, deepCopy(raw.value), op);
    case 'remove':
      return remove(root, path, op).root;
    case 'replace':
      requireValue(raw, op, path);
      return replace(root, path, deepCopy(raw.value));
    case 'move': {
      const from = requirePointer(raw, 'from', op);
      if (from === path) return root;
      if (path.startsWith(`${from}/`)) {
        throw patchNotApplicable(`move operation does not apply: "${path}" is a child of "${from}"`);
      }
      const removed = remove(root, from, op);
      return add(removed.root, path, removed.value, op);
    }
    case 'copy': {
      const from = requirePointer(raw, 'from', op);
      return add(root, path, deepCopy(get(root, from, op)), op);
    }
    case 'test': {
      requireValue(raw, op, path);
      if (!deepEqual(get(root, path, op), raw.value))
        throw patchNotApplicable(`testing value ${path} failed: test failed`);
      return root;
    }
    default:
      throw patchNotApplicable(`unexpected kind of operation: ${JSON.stringify(op)}`);
  }
}

function requirePointer(raw: JsonObject, field: 'path' | 'from', op: string): string {
  const value = raw[field];
  if (typeof value !== 'string') throw patchNotApplicable(`${op} operation is missing its "${field}"`);
  if (value !== '' && !value.startsWith('/')) {
    throw patchNotApplicable(`${op} operation has an invalid JSON pointer ${JSON.stringify(value)}`);
  }
  return value;
}

function requireValue(raw: JsonObject, op: string, path: string): void {
  if (!Object.hasOwn(raw, 'value'))
    throw patchNotApplicable(`${op} operation for path "${path}" is missing its "value"`);
}

/** RFC 6901 reference tokens: `~1` is `/`, `~0` is `~`. */
function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function missing(op: string, pointer: string): never {
  throw patchNotApplicable(
    `${op} operation does not apply: doc is missing path: ${JSON.stringify(pointer)}: missing value`,
  );
}

/** The container holding the last token, walking only through existing values. */
function parentOf(root: unknown, pointer: string, op: string): { parent: unknown; last: string } {
  const parts = tokens(pointer);
  let node = root;
  for (let i = 0; i < parts.length - 1; i++) {
    node = child(node, parts[i]);
    if (node === undefined) missing(op, pointer);
  }
  return { parent: node, last: parts[parts.length - 1] };
}

function child(node: unknown, token: string): unknown {
  if (Array.isArray(node)) {
    const i = arrayIndex(token);
    return i === undefined || i >= node.length ? undefined : node[i];
  }
  if (isJsonObject(node)) return Object.hasOwn(node, token) ? node[token] : undefined;
  return undefined;
}

/** A decimal index without leading zeros, as RFC 6901 requires. */
function arrayIndex(token: string): number | undefined {
  if (!/^(0|[1-9]\d*)$/.test(token)) return undefined;
  const n = Number(token);
  return Number.isSafeInteger(n) ? n : undefined;
}

function get(root: unknown, pointer: string, op: string): unknown {
  let node = root;
  for (const token of tokens(pointer)) {
    node = child(node, token);
    if (node === undefined) missing(op, pointer);
  }
  return node;
}

function add(root: unknown, pointer: string, value: unknown, op: string): unknown {
  if (pointer === '') return value;
  const { parent, last } = parentOf(root, pointer, op);
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : arrayIndex(last);
    if (i === undefined || i > parent.length) {
      throw patchNotApplicable(
        `${op} operation does not apply: index ${last} is out of bounds for path ${JSON.stringify(pointer)}`,
      );
    }
    parent.splice(i, 0, value);
  } else if (isJsonObject(parent)) {
    setOwn(parent, last, value);
  } else {
    missing(op, pointer);
  }
  return root;
}

function remove(root: unknown, pointer: string, op: string): { root: unknown; value: unknown } {
  if (pointer === '')
    throw patchNotApplicable(`${op} operation does not apply: cannot remove the whole document`);
  const { parent, last } = parentOf(root, pointer, op);
  if (Array.isArray(parent)) {
    const i = arrayIndex(last);
    if (i === undefined || i >= parent.length) {
      throw patchNotApplicable(
        `${op} operation does not apply: index ${last} is out of bounds for path ${JSON.stringify(pointer)}`,
      );
    }
    const [value] = parent.splice(i, 1);
    return { root, value };
  }
  if (isJsonObject(parent) && Object.hasOwn(parent, last)) {
    const value = parent[last];
    delete parent[last];
    return { root, value };
  }
  return missing(op, pointer);
}

function replace(root: unknown, pointer: string, value: unknown): unknown {
  if (pointer === '') return value;
  const { parent, last } = parentOf(root, pointer, 'replace');
  if (Array.isArray(parent)) {
    const i = arrayIndex(last);
    if (i === undefined || i >= parent.length) missing('replace', pointer);
    parent[i] = value;
  } else if (isJsonObject(parent) && Object.hasOwn(parent, last)) {
    setOwn(parent, last, value);
  } else {
    missing('replace', pointer);
  }
  return root;
}
