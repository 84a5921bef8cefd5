import { LifeboatError } from '../core/errors.ts';
import type { ApiResourceInfo, ResourceCatalog } from '../kube/types.ts';
import type { IndexedItem, TarballIndex } from './tarball-reader.ts';

/**
 * The items of a backup grouped by resource, one copy per object: for each group-resource the engine picks
 * the version directory to read (reference velero.md §2) and, per object, falls back to the legacy path
 * without a version directory when the chosen directory lacks it.
 */

export interface BackupResource {
  groupResource: string;
  /** The version directory read (`v1`), or undefined for the legacy path. */
  version?: string;
  /** Every version directory the backup holds for this resource. */
  backedUpVersions: string[];
  /** The source cluster's preferred version (the `-preferredversion` directory), when recorded. */
  sourcePreferred?: string;
  items: IndexedItem[];
}

/** Groups `index` by resource and chooses versions against the target `catalog`. */
export function backupResources(index: TarballIndex, catalog: ResourceCatalog): Map<string, BackupResource> {
  const byResource = new Map<string, IndexedItem[]>();
  for (const item of index.items) {
    let list = byResource.get(item.groupResource);
    if (!list) {
      list = [];
      byResource.set(item.groupResource, list);
    }
    list.push(item);
  }
  const out = new Map<string, BackupResource>();
  for (const [groupResource, items] of byResource) {
    const versions = new Set<string>();
    let sourcePreferred: string | undefined;
    for (const item of items) {
      if (item.version === undefined) continue;
      versions.add(item.version);
      if (item.preferred) sourcePreferred = item.version;
    }
    const version = chooseVersion({
      backedUp: [...versions],
      sourcePreferred,
      targetServed: catalog.versionsOf(groupResource).map((r) => r.version),
    });
    out.set(groupResource, {
      groupResource,
      version,
      backedUpVersions: [...versions].sort(),
      sourcePreferred,
      items: pickCopies(items, version, sourcePreferred),
    });
  }
  return out;
}

/**
 * The version directory to restore from: the target's preferred version when backed up, else the first
 * target-served version that was backed up, else the source's preferred one, else none (legacy path).
 */
export function chooseVersion(input: {
  backedUp: readonly string[];
  sourcePreferred?: string;
  targetServed: readonly string[];
}): string | undefined {
  const backedUp = new Set(input.backedUp);
  for (const served of input.targetServed) if (backedUp.has(served)) return served;
  return input.sourcePreferred ?? undefined;
}

/** One copy per object: from the chosen version's directory, else the legacy path. */
function pickCopies(
  items: IndexedItem[],
  version: string | undefined,
  sourcePreferred?: string,
): IndexedItem[] {
  const chosen = new Map<string, IndexedItem>();
  const legacy = new Map<string, IndexedItem>();
  for (const item of items) {
    const key = `${item.namespace ?? ''}/${item.name}`;
    if (item.version === undefined) {
      if (legacy.has(key)) throw duplicate(item);
      legacy.set(key, item);
    } else if (item.version === version) {
      // Both `v1/` and `v1-preferredversion/` may exist; they hold the same bytes, keep the first.
      const earlier = chosen.get(key);
      if (earlier && earlier.preferred === item.preferred) throw duplicate(item);
      if (!earlier || (item.preferred && version === sourcePreferred)) chosen.set(key, item);
    }
  }
  for (const [key, item] of legacy) if (!chosen.has(key)) chosen.set(key, item);
  return [...chosen.values()].sort(compareItems);
}

function duplicate(item: IndexedItem): LifeboatError {
  return new LifeboatError(
    'Corrupt',
    `backup tarball holds ${item.groupResource} ${item.namespace ? `${item.namespace}/` : ''}${item.name} twice at the same path`,
  );
}

function compareItems(a: IndexedItem, b: IndexedItem): number {
  const na = a.namespace ?? '';
  const nb = b.namespace ?? '';
  if (na !== nb) return na < nb ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The target resource to write an object of `apiVersion` into: that version when served, else undefined. */
export function targetResourceFor(
  catalog: ResourceCatalog,
  groupResource: string,
  apiVersion: string | undefined,
): ApiResourceInfo | undefined {
  const versions = catalog.versionsOf(groupResource);
  if (apiVersion) {
    const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
    const exact = versions.find((r) => r.version === version);
    if (exact) return exact;
  }
  return undefined;
}
