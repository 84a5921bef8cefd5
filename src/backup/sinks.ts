import type { BackupDryRunSummary } from '../api/resources/backup.ts';
import { errorMessage } from '../core/errors.ts';
import type { ApiResourceInfo, KubeObject } from '../kube/types.ts';
import { type ItemSink, SinkError } from './item-pipeline.ts';
import type { ResourceListBuilder, VolumeInfoBuilder } from './side-files.ts';
import type { TarballWriter } from './tarball-writer.ts';

/** Writes items into the tarball and notes them for the resource list and volume info. */
export class TarballSink implements ItemSink {
  readonly #writer: TarballWriter;
  readonly #resourceList: ResourceListBuilder;
  readonly #volumes: VolumeInfoBuilder;

  constructor(writer: TarballWriter, resourceList: ResourceListBuilder, volumes: VolumeInfoBuilder) {
    this.#writer = writer;
    this.#resourceList = resourceList;
    this.#volumes = volumes;
  }

  write(resource: ApiResourceInfo, namespace: string | undefined, name: string, item: KubeObject): void {
    const json = JSON.stringify(item);
    try {
      this.#writer.writeItem(
        { groupResource: resource.groupResource, version: resource.version, namespace, name },
        json,
      );
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
