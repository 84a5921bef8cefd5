import { badRequest } from '../apiserver/errors.ts';
import { builtinType, GENERIC_OBJECT } from './builtin-types.ts';
import { patchNotApplicable } from './errors.ts';
import { deepCopy, describeJson, isJsonObject, type JsonObject, jsonKind, setOwn } from './json-value.ts';
import { fieldType, itemType, smpMergeKey, type TypeNode } from './type-node.ts';

/**
 * Strategic merge patch (`application/strategic-merge-patch+json`) for built-in kinds, with the semantics of
 * apimachinery's `strategicpatch.StrategicMergeMapPatch`: maps merge, `null` deletes, lists declared
 * `patchStrategy: merge` merge by their merge key (or as sets of scalars), every other list is replaced; and
 * the directives `$patch: replace|delete` (maps and list items), `$retainKeys`, `$setElementOrder/<list>` and
 * `$deleteFromPrimitiveList/<list>`. Item order follows the real algorithm, so `kubectl apply` keeps the
 * container order it sends.
 *
 * Without `$setElementOrder`, items new to a merge list come before the live-only ones: that is the real
 * ordering rule, which kubectl compensates for by always sending the directive.
 *
 * Deviations, both lenient: `$patch: merge` is accepted as the default it names (the real server rejects it);
 * values added under a key the live object lacks are cleaned of directives rather than stored raw.
 */

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ELEMENT_ORDER = '$setElementOrder/';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList/';

/**
 * Applies `patch` to a copy of `doc`. `kind` selects the built-in merge schema (`Deployment`, `Pod`, …); a
 * `TypeNode` may be given instead. Unknown kinds merge with every list replaced. Malformed directives are
 * `ApiError` 400; lists of lists are 422, as on the real server.
 */
export function applyStrategicMergePatch<T>(doc: T, patch: unknown, kind: string | TypeNode): T {
  if (!isJsonObject(patch)) throw badRequest('invalid JSON document');
  const type = typeof kind === 'string' ? (builtinType(kind) ?? GENERIC_OBJECT) : kind;
  const original = isJsonObject(doc) ? deepCopy(doc) : {};
  return mergeMap(original, deepCopy(patch), type) as T;
}

/** Merges `patch` into `original` (both private copies, both mutated). */
function mergeMap(original: JsonObject, patch: JsonObject, type: TypeNode): JsonObject {
  if (Object.hasOwn(patch, DIRECTIVE)) {
    const directive = patch[DIRECTIVE];
    delete patch[DIRECTIVE];
    if (directive === 'replace') return cleanMap(patch, type);
    if (directive === 'delete') return {};
    if (directive !== 'merge')
      throw badRequest(`unknown patch type: ${String(directive)} in map: ${describeJson(patch)}`);
  }
  applyRetainKeys(original, patch);
  applySetElementOrder(original, patch, type);
  for (const rawKey of Object.keys(patch)) {
    let key = rawKey;
    const deleteList = rawKey.startsWith(DELETE_FROM_PRIMITIVE_LIST);
    if (deleteList) {
      key = rawKey.slice(DELETE_FROM_PRIMITIVE_LIST.length);
      if (key === '') throw badRequest('invalid patch format of primitive list');
    }
    const patchValue = patch[rawKey];
    if (patchValue === null) {
      delete original[key];
      continue;
    }
    if (!Object.hasOwn(original, key)) {
      if (!deleteList) setOwn(original, key, cleanValue(patchValue, fieldType(type, key)));
      continue;
    }
    setOwn(original, key, mergeField(original[key], patchValue, fieldType(type, key), deleteList));
  }
  return original;
}

function mergeField(current: unknown, patchValue: unknown, type: TypeNode, deleteList: boolean): unknown {
  const currentKind = jsonKind(current);
  if (currentKind !== jsonKind(patchValue)) return cleanValue(patchValue, type);
  if (currentKind === 'object') return mergeMap(current as JsonObject, patchValue as JsonObject, type);
  if (currentKind === 'array') {
    const mergeKey = smpMergeKey(type);
    if (type.kind === 'list' && type.smpMerge) {
      return mergeList(current as unknown[], patchValue as unknown[], type, mergeKey, deleteList);
    }
    return patchValue;
  }
  return patchValue;
}

/** A patch value placed where the live object has nothing: directives resolved, nulls dropped. */
function cleanValue(value: unknown, type: TypeNode): unknown {
  if (isJsonObject(value)) return mergeMap({}, value, type);
  if (Array.isArray(value) && type.kind === 'list' && type.smpMerge) {
    return mergeList([], value, type, smpMergeKey(type), false);
  }
  return value;
}

function cleanMap(map: JsonObject, type: TypeNode): JsonObject {
  return mergeMap({}, map, type);
}

function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
  const retain = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(retain)) throw badRequest('invalid patch format of retainKeys');
  const keep = new Set(retain);
  for (const key of Object.keys(patch)) {
    if (
      patch[key] === null ||
      key.startsWith(DELETE_FROM_PRIMITIVE_LIST) ||
      key.startsWith(SET_ELEMENT_ORDER)
    )
      continue;
    if (!keep.has(key)) throw badRequest('invalid patch format of retainKeys');
  }
  for (const key of Object.keys(original)) if (!keep.has(key)) delete original[key];
}

/**
 * `$setElementOrder/<list>`: merge the list (if the patch carries it), then order the result by the directive,
 * interleaving items the patch does not mention at their live positions.
 */
function applySetElementOrder(original: JsonObject, patch: JsonObject, type: TypeNode): void {
  for (const directiveKey of Object.keys(patch)) {
    if (!directiveKey.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = patch[directiveKey];
    delete patch[directiveKey];
    const key = directiveKey.slice(SET_ELEMENT_ORDER.length);
    if (key === '' || !Array.isArray(order)) throw badRequest('invalid patch format of setElementOrder list');
    const listType = fieldType(type, key);
    const mergeKey = smpMergeKey(listType);
    const hasOriginal = Object.hasOwn(original, key);
    const hasPatch = Object.hasOwn(patch, key);
    const originalList = hasOriginal ? requireArray(original[key]) : [];
    const patchList = hasPatch ? requireArray(patch[key]) : [];
    validateAgainstOrder(patchList, order, mergeKey);
    let merged: unknown[];
    if (hasOriginal && !hasPatch) merged = originalList;
    else if (!hasOriginal && hasPatch) merged = cleanValue(patchList, listType) as unknown[];
    else if (hasOriginal && hasPatch)
      merged = mergeField(originalList, patchList, listType, false) as unknown[];
    else continue;
    const identify = identity(mergeKey);
    const inOrder = new Set(order.map(identify));
    const patchItems = merged.filter((item) => inOrder.has(identify(item)));
    const serverOnly = merged.filter((item) => !inOrder.has(identify(item)));
    setOwn(original, key, normalizeOrder(patchItems, serverOnly, order, originalList, identify));
    delete patch[key];
  }
}

function requireArray(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw badRequest(`expected a slice, but received a ${jsonKind(value)}`);
  return value;
}

/** The patch list must be a subsequence of the order list (deletions aside), as the real validator checks. */
function validateAgainstOrder(patchList: unknown[], order: unknown[], mergeKey: string | undefined): void {
  if (patchList.length === 0 || order.length === 0) return;
  const identify = identity(mergeKey);
  const items = patchList.filter((item) => !(isJsonObject(item) && item[DIRECTIVE] === 'delete'));
  if (mergeKey) {
    for (const item of [...items, ...order]) {
      if (!isJsonObject(item) || !Object.hasOwn(item, mergeKey)) {
        throw badRequest(`map: ${describeJson(item)} does not contain declared merge key: ${mergeKey}`);
      }
    }
  }
  let p = 0;
  for (let o = 0; p < items.length && o < order.length; o++) {
    if (isJsonObject(items[p]) && Object.hasOwn(items[p] as JsonObject, DIRECTIVE)) {
      p++;
      o--;
      continue;
    }
    if (identify(items[p]) === identify(order[o])) p++;
  }
  if (p < items.length) {
    throw badRequest(
      `The order in patch list:\n${describeJson(patchList)}\n doesn't match $setElementOrder list:\n${describeJson(order)}\n`,
    );
  }
}

/** What makes two list items "the same": the merge key's value for lists of maps, the value for scalars. */
function identity(mergeKey: string | undefined): (item: unknown) => unknown {
  if (!mergeKey) return (item) => item;
  return (item) => (isJsonObject(item) ? item[mergeKey] : undefined);
}

function mergeList(
  original: unknown[],
  patch: unknown[],
  type: TypeNode,
  mergeKey: string | undefined,
  deleteList: boolean,
): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const elementKind = commonElementKind(original, patch);
  let merged: unknown[];
  let base = original;
  let patchItems = patch;
  if (elementKind !== 'object') {
    if (deleteList) {
      const drop = new Set(patch);
      return original.filter((v) => !drop.has(v));
    }
    merged = dedupeScalars([...original, ...patch]);
  } else {
    if (!mergeKey) throw badRequest('cannot merge lists without merge key for type map');
    ({ base, patchItems } = applyListDirectives(original, patch, mergeKey));
    merged = mergeByKey(base, patchItems, mergeKey, itemType(type));
  }
  const identify = identity(elementKind === 'object' ? mergeKey : undefined);
  const inPatch = new Set(patchItems.map(identify));
  const fromPatch = merged.filter((item) => inPatch.has(identify(item)));
  const serverOnly = merged.filter((item) => !inPatch.has(identify(item)));
  return normalizeOrder(fromPatch, serverOnly, patchItems, base, identify);
}

function commonElementKind(...lists: unknown[][]): string {
  let kind: string | undefined;
  for (const list of lists) {
    for (const item of list) {
      const k = jsonKind(item);
      if (k === 'array') throw patchNotApplicable('lists of lists are not supported');
      if (kind === undefined) kind = k;
      else if (kind !== k) throw badRequest(`list element types are not identical: ${describeJson(lists)}`);
    }
  }
  return kind ?? 'null';
}

/** Go's in-place dedupe: a later duplicate is replaced by the last element, which shapes the resulting order. */
function dedupeScalars(items: unknown[]): unknown[] {
  const s = items;
  let length = s.length - 1;
  for (let i = 0; i < length; i++) {
    for (let j = i + 1; j <= length; j++) {
      if (s[i] === s[j]) {
        s[j] = s[length];
        s.length = length;
        length--;
        j--;
      }
    }
  }
  return s;
}

/** `$patch: delete` removes matching live items; `$patch: replace` makes the patch's items the whole list. */
function applyListDirectives(
  original: unknown[],
  patch: unknown[],
  mergeKey: string,
): { base: unknown[]; patchItems: unknown[] } {
  let base = original;
  const plain: unknown[] = [];
  let replace = false;
  for (const item of patch) {
    const map = item as JsonObject;
    if (!Object.hasOwn(map, DIRECTIVE)) {
      plain.push(item);
      continue;
    }
    const directive = map[DIRECTIVE];
    if (directive === 'delete') {
      if (!Object.hasOwn(map, mergeKey)) {
        throw badRequest(`map: ${describeJson(map)} does not contain declared merge key: ${mergeKey}`);
      }
      base = base.filter((live) => !(isJsonObject(live) && live[mergeKey] === map[mergeKey]));
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      const rest = { ...map };
      delete rest[DIRECTIVE];
      plain.push(rest);
    } else {
      throw badRequest(`unknown patch type: ${String(directive)} in map: ${describeJson(map)}`);
    }
  }
  if (replace) return { base: plain, patchItems: [] };
  return { base, patchItems: plain };
}

function mergeByKey(base: unknown[], patchItems: unknown[], mergeKey: string, type: TypeNode): unknown[] {
  const out = [...base];
  for (const item of patchItems) {
    const map = item as JsonObject;
    if (!Object.hasOwn(map, mergeKey)) {
      throw badRequest(`map: ${describeJson(map)} does not contain declared merge key: ${mergeKey}`);
    }
    const index = out.findIndex((live) => isJsonObject(live) && live[mergeKey] === map[mergeKey]);
    if (index >= 0) out[index] = mergeMap(out[index] as JsonObject, map, type);
    else out.push(mergeMap({}, map, type));
  }
  return out;
}

/**
 * The real `normalizeElementOrder`: patch items sorted by `patchOrder`, server-only items by `serverOrder`,
 * then merged so each keeps its relative order and server-only items sit where they were in the live list.
 */
function normalizeOrder(
  patchItems: unknown[],
  serverOnly: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  identify: (item: unknown) => unknown,
): unknown[] {
  const right = sortByOrder(patchItems, patchOrder, identify);
  const left = sortByOrder(serverOnly, serverOrder, identify);
  const serverIndex = indexer(serverOrder, identify);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = serverIndex(left[i]);
      const ri = serverIndex(right[j]);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

function indexer(order: unknown[], identify: (item: unknown) => unknown): (item: unknown) => number {
  const positions = new Map<unknown, number>();
  order.forEach((item, i) => {
    const id = identify(item);
    if (!positions.has(id)) positions.set(id, i);
  });
  return (item) => positions.get(identify(item)) ?? -1;
}

function sortByOrder(items: unknown[], order: unknown[], identify: (item: unknown) => unknown): unknown[] {
  const position = indexer(order, identify);
  return items
    .map((item, i) => ({ item, i, p: position(item) }))
    .sort((a, b) => (a.p >= 0 && b.p >= 0 && a.p !== b.p ? a.p - b.p : a.i - b.i))
    .map((x) => x.item);
}
