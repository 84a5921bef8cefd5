import { LABELS } from '../api/labels.ts';
import type { Backup } from '../api/resources/backup.ts';
import { errorMessage, LifeboatError } from '../core/errors.ts';
import type { ResultsCollector } from '../core/results.ts';
import type { ApiResourceInfo, DynamicClient, KubeObject, ResourceCatalog } from '../kube/types.ts';
import type { BackupLog } from './backup-log.ts';
import type { ResolvedAction, ResourceIdentifier } from './item-action.ts';
import { type BackupPlan, matchesSelectors } from './plan.ts';
import type { ProgressTracker } from './progress.ts';

/** Where accepted items go: the tarball writer, or a dry run's counters. */
export interface ItemSink {
  write(resource: ApiResourceInfo, namespace: string | undefined, name: string, item: KubeObject): void;
  /** Resolves when written items no longer hold memory (backpressure); rejects when writing failed. */
  flushed(): Promise<void>;
}

/**
 * A failure of the sink (storage, the tarball stream): it ends the whole backup, unlike an item or list
 * failure, which only makes it PartiallyFailed.
 */
export class SinkError extends LifeboatError {}

/** An annotation an action may set on the item it returns to drop it from the backup (Velero's `skip-from-backup`). */
export const SKIP_FROM_BACKUP_ANNOTATION = 'lifeboat.io/skip-from-backup';

/** Velero's result line format, so both tools' `describe` read the same. */
export function resultMessage(resource: string, name: string, message: string, err?: unknown): string {
  const error = err === undefined ? '' : ` error: /${errorMessage(err)}`;
  return `resource: /${resource} name: /${name} message: /${message}${error}`;
}

export interface ItemPipelineContext {
  backup: Backup;
  plan: BackupPlan;
  catalog: ResourceCatalog;
  client: DynamicClient;
  actions: readonly ResolvedAction[];
  sink: ItemSink;
  results: ResultsCollector;
  log: BackupLog;
  progress: ProgressTracker;
}

/**
 * Decides, item by item, what goes into the backup: the exclusion label, deletion in progress, the
 * namespace filter, the resource filter for related items, duplicates; runs the item actions that apply and
 * follows the related items they name; writes the namespace of every namespaced item written. Items no
 * action applies to are handled synchronously (`offer` returns undefined), so a page of 500 ConfigMaps
 * costs no promise per item.
 */
export class ItemPipeline {
  readonly #ctx: ItemPipelineContext;
  readonly #claimed = new Set<string>();
  readonly #actionsByResource = new Map<string, readonly ResolvedAction[]>();
  readonly #writtenNamespaces = new Set<string>();
  readonly #namespacesResource: ApiResourceInfo | undefined;

  constructor(ctx: ItemPipelineContext) {
    this.#ctx = ctx;
    this.#namespacesResource = ctx.catalog.resolve('namespaces');
  }

  /**
   * Considers one item. `origin` is `listed` for items of a list (already filtered by namespace scope and
   * selectors server-side), `ordered` for `orderedResources` entries, `related` for items actions named.
   * Returns a promise only when actions run; item failures land in the results, never in the promise.
   */
  offer(
    resource: ApiResourceInfo,
    item: KubeObject,
    origin: 'listed' | 'ordered' | 'related',
  ): Promise<void> | undefined {
    const meta = item.metadata;
    const name = meta?.name;
    if (!name) return undefined;
    const namespace = resource.namespaced ? meta?.namespace : undefined;
    if (meta?.labels?.[LABELS.excludeFromBackup] === 'true') return undefined;
    if (meta?.deletionTimestamp) {
      this.#ctx.log.info(
        { resource: resource.groupResource, namespace, name },
        'skipping item because it is being deleted',
      );
      return undefined;
    }
    const plan = this.#ctx.plan;
    if (namespace !== undefined && !plan.namespaces.shouldInclude(namespace)) return undefined;
    if (origin === 'related' && !plan.resources.admitsRelated(resource)) {
      this.#ctx.log.info(
        { resource: resource.groupResource, namespace, name },
        'skipping related item because its resource is excluded',
      );
      return undefined;
    }
    if (origin === 'ordered' && !matchesSelectors(plan, meta?.labels)) return undefined;
    const key = claimKey(resource.groupResource, namespace, name);
    if (this.#claimed.has(key)) return undefined;
    this.#claimed.add(key);
    this.#ctx.progress.totalItems++;

    const actions = this.#applicable(resource, namespace, meta?.labels);
    if (actions.length === 0) {
      this.#write(resource, namespace, name, item);
      return undefined;
    }
    return this.#runActions(resource, namespace, name, item, actions);
  }

  /** Writes a namespace object (once), unless the `namespaces` resource is excluded. */
  writeNamespace(namespace: string): void {
    if (this.#writtenNamespaces.has(namespace) || this.#ctx.plan.resources.namespaceObjects === 'none')
      return;
    const object = this.#ctx.plan.namespaceObjects.get(namespace);
    const resource = this.#namespacesResource;
    if (!object || !resource) return;
    this.#writtenNamespaces.add(namespace);
    const key = claimKey(resource.groupResource, undefined, namespace);
    if (this.#claimed.has(key)) return;
    this.#claimed.add(key);
    this.#ctx.progress.totalItems++;
    this.#write(resource, undefined, namespace, object);
  }

  /** Fetches an object an action named and offers it; problems are warnings, as in Velero. */
  async backUpRelated(id: ResourceIdentifier, from: string): Promise<void> {
    const { catalog, client, log, results, plan } = this.#ctx;
    const resource = catalog.resolve(id.groupResource);
    if (!resource) {
      results.itemWarning(
        id.namespace,
        resultMessage(id.groupResource, id.name, `related item of ${from} has an unknown resource`),
      );
      return;
    }
    const namespace = resource.namespaced ? id.namespace : undefined;
    if (this.#claimed.has(claimKey(resource.groupResource, namespace, id.name))) return;
    if (namespace !== undefined && !plan.namespaces.shouldInclude(namespace)) return;
    if (!plan.resources.admitsRelated(resource)) return;
    let object: KubeObject | undefined;
    try {
      object = await client.get(resource, namespace, id.name);
    } catch (err) {
      results.itemError(
        namespace,
        resultMessage(resource.groupResource, id.name, 'cannot read related item', err),
      );
      log.error(
        { resource: resource.groupResource, namespace, name: id.name, err: errorMessage(err) },
        'cannot read related item',
      );
      return;
    }
    if (!object) {
      results.itemWarning(
        namespace,
        resultMessage(
          resource.groupResource,
          id.name,
          `related item of ${from} was not found, cannot back it up`,
        ),
      );
      log.warn({ resource: resource.groupResource, namespace, name: id.name }, 'related item not found');
      return;
    }
    await this.offer(resource, object, 'related');
  }

  /**
   * Whether some item action may apply to items of `resource`, so they must be whole objects when offered
   * (the others may be metadata digests, see `ListOptions.metadataDigest`).
   */
  needsWholeItems(resource: ApiResourceInfo): boolean {
    return this.#actionsFor(resource).length > 0;
  }

  #actionsFor(resource: ApiResourceInfo): readonly ResolvedAction[] {
    let forResource = this.#actionsByResource.get(resource.groupResource);
    if (!forResource) {
      forResource = this.#ctx.actions.filter((a) => a.appliesToResource(resource));
      this.#actionsByResource.set(resource.groupResource, forResource);
    }
    return forResource;
  }

  #applicable(
    resource: ApiResourceInfo,
    namespace: string | undefined,
    labels: Record<string, string> | undefined,
  ): readonly ResolvedAction[] {
    const forResource = this.#actionsFor(resource);
    if (forResource.length === 0) return forResource;
    return forResource.filter((a) => a.appliesToItem(namespace, labels));
  }

  async #runActions(
    resource: ApiResourceInfo,
    namespace: string | undefined,
    name: string,
    item: KubeObject,
    actions: readonly ResolvedAction[],
  ): Promise<void> {
    const { backup, log, results } = this.#ctx;
    let current = item;
    const related: ResourceIdentifier[] = [];
    for (const { action } of actions) {
      try {
        const result = await action.execute(current, backup);
        current = result.item;
        related.push(...(result.additionalItems ?? []));
      } catch (err) {
        results.itemError(
          namespace,
          resultMessage(resource.groupResource, name, `item action ${action.name} failed`, err),
        );
        log.error(
          { resource: resource.groupResource, namespace, name, action: action.name, err: errorMessage(err) },
          'item action failed',
        );
        this.#ctx.progress.totalItems--;
        return;
      }
    }
    if (current.metadata?.annotations?.[SKIP_FROM_BACKUP_ANNOTATION] !== undefined) {
      log.info({ resource: resource.groupResource, namespace, name }, 'an item action dropped the item');
      this.#ctx.progress.totalItems--;
      return;
    }
    this.#write(resource, namespace, name, current);
    const from = `${resource.groupResource} ${namespace ? `${namespace}/` : ''}${name}`;
    for (const id of related) await this.backUpRelated(id, from);
  }

  #write(resource: ApiResourceInfo, namespace: string | undefined, name: string, item: KubeObject): void {
    this.#ctx.sink.write(resource, namespace, name, item);
    this.#ctx.progress.itemsBackedUp++;
    if (namespace !== undefined) this.writeNamespace(namespace);
  }
}

function claimKey(groupResource: string, namespace: string | undefined, name: string): string {
  return `${groupResource}\n${namespace ?? ''}\n${name}`;
}
