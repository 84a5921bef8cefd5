import { badRequest } from '../apiserver/errors.ts';
import { FieldSet, fieldElement, keyElement, valueElement } from './field-set.ts';
import { deepCopy, deepEqual, isJsonObject, type JsonObject, setOwn } from './json-value.ts';
import { fieldType, itemType, type ListNode, type TypeNode } from './type-node.ts';

/**
 * The value-level operations of server-side apply, after structured-merge-diff: the field set an object
 * sets, the comparison of two objects as added/modified/removed field sets, the merge of an applied
 * configuration into a live object, and the pruning of fields an applier stopped applying. All walk the value
 * and its `TypeNode` together, so each is O(size of the object).
 */

type Shape = 'leaf' | 'map' | 'set' | 'assoc';

/** How a value is treated at a node: atomic leaf, granular map, set of scalars, or list keyed by item fields. */
function shapeOf(value: unknown, type: TypeNode): Shape {
  if (type.kind === 'scalar') return 'leaf';
  if (isJsonObject(value)) {
    if (type.kind === 'untyped') return 'map';
    return type.kind === 'map' && !type.atomic ? 'map' : 'leaf';
  }
  if (Array.isArray(value) && type.kind === 'list') {
    if (type.listType === 'set') return 'set';
    if (type.listType === 'map') return 'assoc';
  }
  return 'leaf';
}

/**
 * The path element of a keyed list item. Missing key fields take their declared default; a missing key without
 * default is an error in `strict` mode (an applied configuration), and otherwise just left out of the key.
 */
function itemElement(item: unknown, type: ListNode, strict: boolean, where: () => string): string {
  const key: Record<string, unknown> = {};
  const obj = isJsonObject(item) ? item : {};
  for (const k of type.keys ?? []) {
    if (Object.hasOwn(obj, k.name) && obj[k.name] !== null) key[k.name] = obj[k.name];
    else if (k.default !== undefined) key[k.name] = k.default;
    else if (strict) {
      throw badRequest(
        `${where()}: associative list with keys has an element that omits key field ${JSON.stringify(k.name)} (and doesn't have default value)`,
      );
    }
  }
  return keyElement(key);
}

function listElement(
  item: unknown,
  type: TypeNode,
  shape: Shape,
  strict: boolean,
  where: () => string,
): string {
  return shape === 'set' ? valueElement(item) : itemElement(item, type as ListNode, strict, where);
}

function describePath(path: readonly string[]): string {
  return path.map((e) => (e.startsWith('f:') ? `.${e.slice(2)}` : `[${e.slice(2)}]`)).join('');
}

/**
 * The fields `value` sets: every leaf (scalars, nulls, empty maps, atomic maps and lists), every set value and
 * every keyed item (itself and its fields). With `strict`, keyed items must carry their keys.
 */
export function toFieldSet(value: unknown, type: TypeNode, strict = false): FieldSet {
  const root = new FieldSet();
  collectFields(value, type, root, [], strict);
  return root;
}

function collectFields(
  value: unknown,
  type: TypeNode,
  node: FieldSet,
  path: string[],
  strict: boolean,
): void {
  const shape = shapeOf(value, type);
  if (shape === 'leaf') {
    node.member = true;
    return;
  }
  if (shape === 'map') {
    const map = value as JsonObject;
    if (Object.keys(map).length === 0) node.member = true;
    else collectMapFields(map, type, node, path, strict);
    return;
  }
  const seen = new Set<string>();
  for (const item of value as unknown[]) {
    const element = listElement(item, type, shape, strict, () => describePath(path));
    if (seen.has(element)) continue;
    seen.add(element);
    const child = node.ensure(element);
    child.member = true;
    if (shape === 'assoc' && isJsonObject(item)) {
      path.push(element);
      collectMapFields(item, itemType(type), child, path, strict);
      path.pop();
    }
  }
}

/** The fields of a map (or keyed item), without marking the map's own node. */
function collectMapFields(
  map: JsonObject,
  type: TypeNode,
  node: FieldSet,
  path: string[],
  strict: boolean,
): void {
  for (const key of Object.keys(map)) {
    const element = fieldElement(key);
    path.push(element);
    collectFields(map[key], fieldType(type, key), node.ensure(element), path, strict);
    path.pop();
  }
}

/**
 * `toFieldSet(value, type).toFieldsV1()` in one pass without building the set: the FieldsV1 object of every
 * field `value` sets, or undefined when it sets none. Used for the managedFields of a newly created object.
 */
export function fieldsV1Of(value: unknown, type: TypeNode): Record<string, unknown> | undefined {
  const shape = shapeOf(value, type);
  if (shape === 'leaf') return {};
  if (shape === 'map') {
    const map = value as JsonObject;
    const keys = Object.keys(map);
    if (keys.length === 0) return {};
    return encodeMapFields(map, type);
  }
  const entries: [string, Record<string, unknown>][] = [];
  const seen = new Set<string>();
  for (const item of value as unknown[]) {
    const element = listElement(item, type, shape, false, () => 'list');
    if (seen.has(element)) continue;
    seen.add(element);
    const fields =
      shape === 'assoc' && isJsonObject(item) ? encodeMapFields(item, itemType(type)) : undefined;
    entries.push([element, fields ? { '.': {}, ...fields } : {}]);
  }
  return entries.length === 0 ? undefined : sortedObject(entries);
}

function encodeMapFields(map: JsonObject, type: TypeNode): Record<string, unknown> | undefined {
  return fieldsV1OfFields(map, type, undefined);
}

/**
 * The FieldsV1 object of the fields of `map` that `skip` does not name, in FieldsV1 key order, or undefined when
 * none sets anything. Reads `map` in place (no filtered copy), which is what makes a create's managedFields cheap.
 */
export function fieldsV1OfFields(
  map: JsonObject,
  type: TypeNode,
  skip: ReadonlySet<string> | undefined,
): Record<string, unknown> | undefined {
  // Every element is `f:` + the key, so the keys sort as their elements do.
  const keys = sortedKeys(map);
  let out: Record<string, unknown> | undefined;
  for (const key of keys) {
    if (skip?.has(key)) continue;
    const encoded = fieldsV1Of(map[key], fieldType(type, key));
    if (!encoded) continue;
    out ??= {};
    out[fieldElement(key)] = encoded;
  }
  return out;
}

/**
 * The keys of `obj` in code-unit order. Objects are small here, and an insertion sort in place beats
 * `Array.prototype.sort`, which allocates its work space on every call.
 */
export function sortedKeys(obj: object): string[] {
  const keys = Object.keys(obj);
  if (keys.length > 32) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i];
    let j = i - 1;
    while (j >= 0 && keys[j] > key) {
      keys[j + 1] = keys[j];
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}

function sortedObject(entries: [string, Record<string, unknown>][]): Record<string, unknown> {
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) out[k] = v;
  return out;
}

export type Comparison = { added: FieldSet; modified: FieldSet; removed: FieldSet };

/**
 * What changed from `before` to `after`. A map that appears whole is recorded itself as well as its fields
 * (except the top-level `metadata`, `spec` and `status`, which typed objects always have), as the real field
 * manager records `.` for a newly set `labels` or `rollingUpdate`.
 */
export function compare(before: unknown, after: unknown, type: TypeNode): Comparison {
  const out: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  compareValue(before, after, type, [], out);
  return out;
}

function compareValue(a: unknown, b: unknown, type: TypeNode, path: string[], out: Comparison): void {
  if (a === undefined && b === undefined) return;
  if (a === undefined || b === undefined) {
    if (a === undefined) addWhole(b, type, path, out.added);
    else addWhole(a, type, path, out.removed);
    return;
  }
  const sa = shapeOf(a, type);
  const sb = shapeOf(b, type);
  if (sa !== sb || sa === 'leaf') {
    if (!deepEqual(a, b)) out.modified.insert(path);
    return;
  }
  if (sa === 'map') {
    const ma = a as JsonObject;
    const mb = b as JsonObject;
    if (Object.keys(ma).length === 0 && Object.keys(mb).length === 0) return;
    const keys = new Set([...Object.keys(ma), ...Object.keys(mb)]);
    compareKeys(ma, mb, keys, type, path, out);
    return;
  }
  const itemsA = indexItems(a as unknown[], type, sa, path);
  const itemsB = indexItems(b as unknown[], type, sb, path);
  for (const [element, itemA] of itemsA) {
    const itemB = itemsB.get(element);
    path.push(element);
    if (itemB === undefined) addWhole(itemA, type, path, out.removed, true);
    else if (sa === 'assoc') compareItem(itemA, itemB, itemType(type), path, out);
    path.pop();
  }
  for (const [element, itemB] of itemsB) {
    if (itemsA.has(element)) continue;
    path.push(element);
    addWhole(itemB, type, path, out.added, true);
    path.pop();
  }
}

function compareKeys(
  a: JsonObject,
  b: JsonObject,
  keys: Iterable<string>,
  type: TypeNode,
  path: string[],
  out: Comparison,
): void {
  for (const key of keys) {
    const va = Object.hasOwn(a, key) ? a[key] : undefined;
    const vb = Object.hasOwn(b, key) ? b[key] : undefined;
    path.push(fieldElement(key));
    compareValue(va, vb, fieldType(type, key), path, out);
    path.pop();
  }
}

function compareItem(a: unknown, b: unknown, type: TypeNode, path: string[], out: Comparison): void {
  if (!isJsonObject(a) || !isJsonObject(b)) {
    if (!deepEqual(a, b)) out.modified.insert(path);
    return;
  }
  compareKeys(a, b, new Set([...Object.keys(a), ...Object.keys(b)]), type, path, out);
}

function indexItems(items: unknown[], type: TypeNode, shape: Shape, path: string[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const item of items) {
    const element = listElement(item, type, shape, false, () => describePath(path));
    if (!out.has(element)) out.set(element, item);
  }
  return out;
}

/** Records a whole value (appearing or disappearing) at `path`; `isItem` when `value` is a list item of `type`. */
function addWhole(value: unknown, type: TypeNode, path: string[], set: FieldSet, isItem = false): void {
  let node = set;
  for (const element of path) node = node.ensure(element);
  if (isItem) {
    node.member = true;
    if (type.kind === 'list' && type.listType === 'map' && isJsonObject(value)) {
      collectMapFields(value, itemType(type), node, path, false);
    }
    return;
  }
  collectFields(value, type, node, path, false);
  if (path.length > 1 && shapeOf(value, type) === 'map') node.member = true;
}

/**
 * The applied configuration merged into the live object: maps merge key by key, keyed lists and sets merge by
 * item (applied items in applied order, live-only items kept near their live neighbours), atomic values and
 * leaves are replaced. `null` in the configuration removes the field. The result shares nothing with the inputs.
 */
export function merge(live: unknown, applied: unknown, type: TypeNode): unknown {
  if (applied === undefined) return deepCopy(live);
  if (live === undefined || live === null) return withoutNulls(applied);
  const shape = shapeOf(applied, type);
  if (shape !== shapeOf(live, type) || shape === 'leaf') return withoutNulls(applied);
  if (shape === 'map') return mergeMaps(live as JsonObject, applied as JsonObject, type);
  return mergeLists(live as unknown[], applied as unknown[], type, shape);
}

function mergeMaps(live: JsonObject, applied: JsonObject, type: TypeNode): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(live)) {
    if (!Object.hasOwn(applied, key)) setOwn(out, key, deepCopy(live[key]));
    else if (applied[key] !== null) setOwn(out, key, merge(live[key], applied[key], fieldType(type, key)));
  }
  for (const key of Object.keys(applied)) {
    if (Object.hasOwn(live, key) || applied[key] === null || applied[key] === undefined) continue;
    setOwn(out, key, withoutNulls(applied[key]));
  }
  return out;
}

function mergeLists(live: unknown[], applied: unknown[], type: TypeNode, shape: Shape): unknown[] {
  const where = () => 'list';
  const elementOf = (item: unknown) => listElement(item, type, shape, false, where);
  const liveItems = new Map<string, unknown>();
  for (const item of live) {
    const element = elementOf(item);
    if (!liveItems.has(element)) liveItems.set(element, item);
  }
  const appliedElements = applied.map(elementOf);
  const appliedIndex = new Map<string, number>();
  appliedElements.forEach((e, i) => {
    if (!appliedIndex.has(e)) appliedIndex.set(e, i);
  });
  const out: unknown[] = [];
  const emitted = new Set<string>();
  const emitApplied = (i: number) => {
    const element = appliedElements[i];
    if (emitted.has(element)) return;
    emitted.add(element);
    const liveItem = liveItems.get(element);
    out.push(
      shape === 'assoc' && liveItem !== undefined
        ? merge(liveItem, applied[i], itemType(type))
        : withoutNulls(applied[i]),
    );
  };
  let next = 0;
  for (const item of live) {
    const element = elementOf(item);
    const at = appliedIndex.get(element);
    if (at === undefined) {
      if (!emitted.has(element)) {
        emitted.add(element);
        out.push(deepCopy(item));
      }
      continue;
    }
    for (; next <= at; next++) emitApplied(next);
  }
  for (; next < applied.length; next++) emitApplied(next);
  return out;
}

function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isJsonObject(value)) return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value)) {
    if (value[key] !== null && value[key] !== undefined) setOwn(out, key, withoutNulls(value[key]));
  }
  return out;
}

/**
 * Removes from `value` (in place) what the applier applied last time (`lastSet`) but no manager owns now
 * (`owned`, which includes the applier's new set). A removed map or item keeps the parts another manager owns,
 * and a kept keyed item keeps its key fields.
 */
export function prune(value: unknown, type: TypeNode, lastSet: FieldSet, owned: FieldSet): void {
  pruneNode(value, type, lastSet, owned);
}

function ownedAnywhere(node: FieldSet | undefined): boolean {
  return node?.hasMembers() ?? false;
}

function pruneNode(value: unknown, type: TypeNode, last: FieldSet, owned: FieldSet | undefined): void {
  const shape = shapeOf(value, type);
  if (shape === 'leaf' || !last.children) return;
  if (shape === 'map') {
    pruneMap(value as JsonObject, type, last, owned, new Set());
    return;
  }
  const items = value as unknown[];
  const where = () => 'list';
  for (let i = items.length - 1; i >= 0; i--) {
    const element = listElement(items[i], type, shape, false, where);
    const lastChild = last.child(element);
    if (!lastChild) continue;
    const ownedChild = owned?.child(element);
    if (lastChild.member && !ownedAnywhere(ownedChild)) {
      items.splice(i, 1);
      continue;
    }
    if (shape === 'assoc' && isJsonObject(items[i])) {
      const keys = new Set(((type as ListNode).keys ?? []).map((k) => k.name));
      pruneMap(items[i] as JsonObject, itemType(type), lastChild, ownedChild, keys);
    }
  }
}

function pruneMap(
  map: JsonObject,
  type: TypeNode,
  last: FieldSet,
  owned: FieldSet | undefined,
  protectedKeys: Set<string>,
): void {
  for (const key of Object.keys(map)) {
    const element = fieldElement(key);
    const lastChild = last.child(element);
    if (!lastChild) continue;
    const ownedChild = owned?.child(element);
    if (lastChild.member && !ownedAnywhere(ownedChild) && !protectedKeys.has(key)) {
      delete map[key];
      continue;
    }
    pruneNode(map[key], fieldType(type, key), lastChild, ownedChild);
  }
}
