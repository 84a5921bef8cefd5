/**
 * A small schema of how an object's fields merge: which lists are merged by key (and on which keys), which are
 * sets, which are atomic, and which maps are atomic. Strategic merge patch and server-side apply both walk an
 * object with it, so one description serves both (as the Go struct tags and OpenAPI extensions do upstream).
 * Anything the schema does not describe is `untyped`: maps merge key by key and lists are atomic.
 */

export type MapKey = {
  readonly name: string;
  /** The value the API server defaults a missing key to (`protocol: TCP`), so items match before defaulting. */
  readonly default?: string | number | boolean;
};

export type ScalarNode = { readonly kind: 'scalar' };

export type UntypedNode = { readonly kind: 'untyped' };

export type MapNode = {
  readonly kind: 'map';
  /** Known fields. */
  readonly fields?: Readonly<Record<string, TypeNode>>;
  /** The type of every other key's value (a `map[string]T`); untyped when absent. */
  readonly values?: TypeNode;
  /** `x-kubernetes-map-type: atomic` / `+structType=atomic`: replaced and owned as a whole by apply. */
  readonly atomic?: boolean;
};

export type ListNode = {
  readonly kind: 'list';
  /** How server-side apply merges and owns the list. */
  readonly listType: 'atomic' | 'set' | 'map';
  /** For `map` lists, the item fields that identify an item. */
  readonly keys?: readonly MapKey[];
  readonly items?: TypeNode;
  /** Strategic merge patch: `patchStrategy: merge`. Without it the patch's list replaces the live one. */
  readonly smpMerge?: boolean;
  /** Strategic merge patch: `patchMergeKey` for lists of objects (defaults to the first SSA key). */
  readonly smpMergeKey?: string;
};

export type TypeNode = ScalarNode | UntypedNode | MapNode | ListNode;

export const SCALAR: ScalarNode = Object.freeze({ kind: 'scalar' });
export const UNTYPED: UntypedNode = Object.freeze({ kind: 'untyped' });
export const ATOMIC_LIST: ListNode = Object.freeze({ kind: 'list', listType: 'atomic' });
export const ATOMIC_MAP: MapNode = Object.freeze({ kind: 'map', atomic: true });

/** The type of `key`'s value inside a map node (or untyped). */
export function fieldType(node: TypeNode, key: string): TypeNode {
  if (node.kind !== 'map') return UNTYPED;
  if (node.fields && Object.hasOwn(node.fields, key)) return node.fields[key];
  return node.values ?? UNTYPED;
}

/** The type of a list's items (or untyped). */
export function itemType(node: TypeNode): TypeNode {
  return node.kind === 'list' ? (node.items ?? UNTYPED) : UNTYPED;
}

/** The strategic merge key of a list, when the list merges. */
export function smpMergeKey(node: TypeNode): string | undefined {
  if (node.kind !== 'list' || !node.smpMerge) return undefined;
  return node.smpMergeKey ?? node.keys?.[0]?.name;
}

// ---- builders, used by the built-in type table and the OpenAPI conversion ----

export function struct(fields: Record<string, TypeNode>, options: { atomic?: boolean } = {}): MapNode {
  return Object.freeze({
    kind: 'map',
    fields: Object.freeze(fields),
    ...(options.atomic ? { atomic: true } : {}),
  });
}

export function mapOf(values: TypeNode): MapNode {
  return Object.freeze({ kind: 'map', values });
}

/**
 * A list of objects merged by key. `keys` are the server-side apply keys; strategic merge patch merges on
 * `smpKey` (default: the first key) unless `smp: false` (the list is then replaced by patches, as for node
 * addresses).
 */
export function keyedList(
  keys: readonly (string | MapKey)[],
  items: TypeNode = UNTYPED,
  options: { smpKey?: string; smp?: boolean; ssaAtomic?: boolean } = {},
): ListNode {
  const mapKeys = keys.map((k) => (typeof k === 'string' ? { name: k } : k));
  return Object.freeze({
    kind: 'list',
    listType: options.ssaAtomic ? 'atomic' : 'map',
    keys: Object.freeze(mapKeys),
    items,
    smpMerge: options.smp !== false,
    smpMergeKey: options.smpKey ?? mapKeys[0].name,
  });
}

/** A list of distinct scalars; strategic merge patch unions it when `smpMerge` (finalizers). */
export function setList(options: { smpMerge?: boolean } = {}): ListNode {
  return Object.freeze({ kind: 'list', listType: 'set', items: SCALAR, smpMerge: options.smpMerge ?? false });
}

export function atomicList(items: TypeNode = UNTYPED): ListNode {
  return Object.freeze({ kind: 'list', listType: 'atomic', items });
}
