/**
 * Sets of field paths, as server-side apply records ownership: a trie whose edges are path elements in their
 * FieldsV1 spelling (`f:<field>`, `k:{"name":"web"}` for keyed list items, `v:"x"` for set values, `i:3` for
 * positions) and whose nodes say whether that path itself is in the set. The FieldsV1 JSON form is the same
 * trie, with `".": {}` marking a member that also has children.
 */
export class FieldSet {
  member = false;
  children: Map<string, FieldSet> | undefined;

  /** The node under `element`, if any. */
  child(element: string): FieldSet | undefined {
    return this.children?.get(element);
  }

  /** The node under `element`, created when missing. */
  ensure(element: string): FieldSet {
    if (!this.children) this.children = new Map();
    let node = this.children.get(element);
    if (!node) {
      node = new FieldSet();
      this.children.set(element, node);
    }
    return node;
  }

  insert(path: readonly string[]): void {
    let node: FieldSet = this;
    for (const element of path) node = node.ensure(element);
    node.member = true;
  }

  has(path: readonly string[]): boolean {
    let node: FieldSet | undefined = this;
    for (const element of path) {
      node = node.child(element);
      if (!node) return false;
    }
    return node.member;
  }

  /** Whether this node or anything below it is a member. */
  hasMembers(): boolean {
    if (this.member) return true;
    if (!this.children) return false;
    for (const child of this.children.values()) if (child.hasMembers()) return true;
    return false;
  }

  isEmpty(): boolean {
    return !this.hasMembers();
  }

  /** Every member path, depth first, children in insertion order. */
  paths(): string[][] {
    const out: string[][] = [];
    const walk = (node: FieldSet, prefix: string[]): void => {
      if (node.member) out.push(prefix);
      if (node.children) for (const [element, child] of node.children) walk(child, [...prefix, element]);
    };
    walk(this, []);
    return out;
  }

  union(other: FieldSet | undefined): FieldSet {
    const out = this.copy();
    if (other) mergeInto(out, other);
    return out;
  }

  /** Members of this set that are not members of `other` (not recursive: a member parent removes only itself). */
  difference(other: FieldSet | undefined): FieldSet {
    if (!other) return this.copy();
    return combine(this, other, (a, b) => a && !b);
  }

  intersection(other: FieldSet | undefined): FieldSet {
    if (!other) return new FieldSet();
    return combine(this, other, (a, b) => a && b);
  }

  copy(): FieldSet {
    const out = new FieldSet();
    out.member = this.member;
    if (this.children) {
      out.children = new Map();
      for (const [element, child] of this.children) out.children.set(element, child.copy());
    }
    return out;
  }

  /**
   * The FieldsV1 JSON object (`{"f:spec":{"f:replicas":{}}}`), keys in the real encoder's order (`.` first, then
   * the sorted elements). Empty sets encode as `{}`.
   */
  toFieldsV1(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (this.children) {
      for (const [element, child] of this.children) {
        if (!child.hasMembers()) continue;
        const encoded = child.toFieldsV1();
        out[element] = child.member && Object.keys(encoded).length > 0 ? { '.': {}, ...encoded } : encoded;
      }
    }
    return sortKeys(out);
  }

  /** Reads a FieldsV1 object; anything malformed is ignored rather than trusted. */
  static fromFieldsV1(value: unknown): FieldSet {
    const root = new FieldSet();
    const walk = (node: FieldSet, obj: unknown): void => {
      if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return;
      for (const [element, child] of Object.entries(obj)) {
        if (element === '.') {
          node.member = true;
          continue;
        }
        const next = node.ensure(element);
        const isLeaf = typeof child === 'object' && child !== null && Object.keys(child).length === 0;
        if (isLeaf) next.member = true;
        else walk(next, child);
      }
    };
    walk(root, value);
    return root;
  }
}

function mergeInto(target: FieldSet, source: FieldSet): void {
  if (source.member) target.member = true;
  if (!source.children) return;
  for (const [element, child] of source.children) mergeInto(target.ensure(element), child);
}

function combine(a: FieldSet, b: FieldSet, keep: (inA: boolean, inB: boolean) => boolean): FieldSet {
  const out = new FieldSet();
  out.member = keep(a.member, b.member);
  if (a.children) {
    for (const [element, child] of a.children) {
      const other = b.child(element);
      const combined = other
        ? combine(child, other, keep)
        : keep(true, false)
          ? child.copy()
          : new FieldSet();
      if (combined.hasMembers()) {
        if (!out.children) out.children = new Map();
        out.children.set(element, combined);
      }
    }
  }
  return out;
}

function sortKeys(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj).sort()) out[key] = obj[key];
  return out;
}

// ---- path elements ----

export function fieldElement(name: string): string {
  return `f:${name}`;
}

export function valueElement(value: unknown): string {
  return `v:${JSON.stringify(value)}`;
}

/** A keyed list item: the key fields as a JSON object with sorted keys (`k:{"containerPort":80,"protocol":"TCP"}`). */
export function keyElement(key: Readonly<Record<string, unknown>>): string {
  const names = Object.keys(key);
  if (names.length > 1) names.sort();
  let out = 'k:{';
  for (let i = 0; i < names.length; i++) {
    if (i > 0) out += ',';
    out += `${JSON.stringify(names[i])}:${JSON.stringify(key[names[i]])}`;
  }
  return `${out}}`;
}

export function indexElement(index: number): string {
  return `i:${index}`;
}

/** The path as structured-merge-diff prints it in conflicts: `.spec.containers[name="web"].image`. */
export function formatPath(path: readonly string[]): string {
  let out = '';
  for (const element of path) {
    const body = element.slice(2);
    switch (element.slice(0, 2)) {
      case 'f:':
        out += `.${body}`;
        break;
      case 'k:': {
        const key = JSON.parse(body) as Record<string, unknown>;
        out += `[${Object.entries(key)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(',')}]`;
        break;
      }
      case 'v:':
        out += `[=${body}]`;
        break;
      default:
        out += `[${body}]`;
    }
  }
  return out;
}
