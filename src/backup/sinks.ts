import type { BackupDryRunSummary } from '../api/resources/backup.ts';
import { errorMessage } from '../core/errors.ts';
import { isMetadataDigest, type ListedPage, listedItemJson } from '../kube/dynamic-client.ts';
import type { ApiResourceInfo, KubeObject, ListPage } from '../kube/types.ts';
import { type ItemSink, SinkError } from './item-pipeline.ts';
import { type ResourceListBuilder, VolumeInfoBuilder } from './side-files.ts';
import type { TarballWriter } from './tarball-writer.ts';

/**
 * A sink that can store a listed item as the bytes the API server sent, when told which item is being
 * offered and the pipeline writes that very object before `offer` returns (it ran no item action, so
 * nothing can have changed it). Anything written later, or any other object, is serialized as usual.
 */
export interface ListedItemSink extends ItemSink {
  /** The item about to be offered, as `page.items[index]`; `undefined` once `offer` has returned. */
  expectListed(item: KubeObject | undefined, page?: ListPage, index?: number): void;
  /** Whether the sink reads more of the items of `resource` than a metadata digest holds. */
  needsWholeItems(resource: ApiResourceInfo): boolean;
}

export function acceptsListedJson(sink: ItemSink): sink is ListedItemSink {
  return typeof (sink as Partial<ListedItemSink>).expectListed === 'function';
}

/** Writes items into the tarball and notes them for the resource list and volume info. */
export class TarballSink implements ListedItemSink {
  readonly #writer: TarballWriter;
  readonly #resourceList: ResourceListBuilder;
  readonly #volumes: VolumeInfoBuilder;
  #listed: KubeObject | undefined;
  #listedPage: ListedPage | undefined;
  #listedIndex = 0;

  constructor(writer: TarballWriter, resourceList: ResourceListBuilder, volumes: VolumeInfoBuilder) {
    this.#writer = writer;
    this.#resourceList = resourceList;
    this.#volumes = volumes;
  }

  expectListed(item: KubeObject | undefined, page?: ListPage, index = 0): void {
    this.#listed = item;
    this.#listedPage = item === undefined ? undefined : page;
    this.#listedIndex = index;
  }

  /** Claims and volumes feed the volume info file, which reads their specs. */
  needsWholeItems(resource: ApiResourceInfo): boolean {
    return VolumeInfoBuilder.observes(resource.groupResource);
  }

  write(resource: ApiResourceInfo, namespace: string | undefined, name: string, item: KubeObject): void {
    const parts = { groupResource: resource.groupResource, version: resource.version, namespace, name };
    const listed = item === this.#listed ? this.#listedPage?.json : undefined;
    // A digest's body exists only as its listed bytes: serializing it would store metadata alone.
    if (!listed && isMetadataDigest(item))
      throw new SinkError('Internal', `${resource.groupResource} ${name}: only its metadata was read`);
    try {
      if (listed && !listed.prefix) {
        const i = 2 * this.#listedIndex;
        this.#writer.writeItem(parts, listed.text, listed.bounds[i], listed.bounds[i + 1]);
      } else {
        const bytes =
          listed && this.#listedPage ? listedItemJson(this.#listedPage, this.#listedIndex) : undefined;
        this.#writer.writeItem(parts, bytes ?? JSON.stringify(item));
      }
    } catch (err) {
      throw new SinkError('Unavailable', errorMessage(err), { cause: err });
    }
    this.#resourceList.add(resource.groupVersion, resource.kind, namespace, name);
    this.#volumes.observe(resource.groupResource, item);
  }

  flushed(): Promise<void> {
    return this.#writer.flushed().catch((err: unknown) => {
      throw new SinkError('Unavailable', errorMessage(err), { cause: err });
    });
  }
}

/** Counts what a dry run would back up, by `resource.group` and by namespace (`''` for cluster-scoped). */
export class DryRunSink implements ItemSink {
  readonly #resources = new Map<string, number>();
  readonly #namespaces = new Map<string, number>();
  #total = 0;

  write(resource: ApiResourceInfo, namespace: string | undefined): void {
    this.#total++;
    this.#resources.set(resource.groupResource, (this.#resources.get(resource.groupResource) ?? 0) + 1);
    const ns = namespace ?? '';
    this.#namespaces.set(ns, (this.#namespaces.get(ns) ?? 0) + 1);
  }

  flushed(): Promise<void> {
    return Promise.resolve();
  }

  summary(): BackupDryRunSummary {
    return {
      totalItems: this.#total,
      resources: sortedRecord(this.#resources),
      namespaces: sortedRecord(this.#namespaces),
    };
  }
}

function sortedRecord(map: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
