import { ANNOTATIONS } from '../api/labels.ts';
import type { Restore } from '../api/resources/restore.ts';
import { errorMessage, isLifeboatError, LifeboatError } from '../core/errors.ts';
import type { ResultsCollector } from '../core/results.ts';
import type { ApiResourceInfo, KubeObject, ResourceCatalog } from '../kube/types.ts';
import type { BoundAction } from './actions/selector.ts';
import { type BackupResource, backupResources, targetResourceFor } from './backup-contents.ts';
import { diffObjects, mergePatchFor, normalizeLive } from './compare.ts';
import { resourcesOfCrd, waitForEstablished } from './crds.ts';
import { ResourceFilter, RestoreSelection } from './filters.ts';
import type { CompiledModifiers } from './modifiers.ts';
import type { ItemOutcome, ResourceList } from './outputs.ts';
import { forEachBounded } from './pool.ts';
import { CRD_RESOURCE, DEFAULT_RESTORE_PRIORITIES, orderResources } from './priorities.ts';
import type { ProgressTracker } from './progress.ts';
import { addRestoreLabels } from './restore-labels.ts';
import type { RestoreLog } from './restore-log.ts';
import { stripServerFields } from './strip.ts';
import type { IndexedItem, TarballIndex } from './tarball-reader.ts';
import type { FieldDifference, PlanEntry, ResourceIdentifier, RestoreDeps, RestorePlan } from './types.ts';
import type { RestoreHookRunner, RestoreVolumeSession } from './volume-ports.ts';

/**
 * One restore's work once the tarball is indexed: tiers in priority order (CRDs first, then discovery
 * refreshed), items of a tier concurrently with a bound, and per item the pipeline of reference velero.md §5.3:
 * filters → strip → item actions (additional items first) → resource modifiers → namespace mapping and restore
 * labels → create, or compare with the live object and skip, warn or update. Never deletes anything.
 */

export interface RestoreRunOptions {
  restore: Restore;
  backupName: string;
  deps: RestoreDeps;
  index: TarballIndex;
  log: RestoreLog;
  results: ResultsCollector;
  resourceList: ResourceList;
  progress: ProgressTracker;
  modifiers?: CompiledModifiers;
  bindActions(catalog: ResourceCatalog): BoundAction[];
  /** Volume data and hooks of this restore (not for dry runs). */
  volumes?: RestoreRunVolumes;
}

/** The per-restore volume session and hook runner the run calls around pods and claims. */
export interface RestoreRunVolumes {
  session?: RestoreVolumeSession;
  hooks?: RestoreHookRunner;
  initContainerHooks?: (pod: KubeObject, restore: Restore) => KubeObject;
}

const DIFF_EXCERPT = 12;
const SETTLED: Promise<void> = Promise.resolve();
const NAMESPACE_TERMINATING_TIMEOUT_MS = 120_000;
const BUILTIN_GROUPS = new Set(['', 'apps', 'batch', 'autoscaling', 'policy']);

interface ItemContext {
  item: IndexedItem;
  groupResource: string;
  sourceNamespace?: string;
  targetNamespace?: string;
  targetName: string;
}

export class RestoreRun {
  readonly #o: RestoreRunOptions;
  readonly #restoreName: string;
  readonly #mapping: Record<string, string>;
  readonly #dryRun: boolean;
  readonly #policy: 'none' | 'update';
  readonly #concurrency: number;
  #catalog: ResourceCatalog;
  #selection: RestoreSelection;
  #statusFilter: ResourceFilter | undefined;
  #actions: BoundAction[];
  #resources = new Map<string, BackupResource>();
  #byKey = new Map<string, { item: IndexedItem; resource: BackupResource }>();
  readonly #started = new Map<string, Promise<void>>();
  readonly #namespaces = new Map<string, Promise<void>>();
  readonly #crdResources = new Map<string, ApiResourceInfo[]>();
  readonly #entries: PlanEntry[] = [];
  readonly #planWarnings: string[] = [];
  readonly #planErrors: string[] = [];
  #excluded = 0;
  #neededCrds = new Set<string>();
  readonly #resourceMatches = new Map<string, boolean>();
  readonly #targets = new Map<string, ApiResourceInfo | undefined>();
  readonly #summary = { create: 0, update: 0, skip: 0, conflict: 0 };

  constructor(options: RestoreRunOptions) {
    this.#o = options;
    const spec = options.restore.spec;
    this.#restoreName = options.restore.metadata?.name ?? '';
    this.#mapping = spec.namespaceMapping ?? {};
    this.#dryRun = spec.dryRun === true;
    this.#policy = spec.existingResourcePolicy === 'update' ? 'update' : 'none';
    this.#concurrency = Math.max(1, options.deps.concurrency ?? 32);
    this.#catalog = options.deps.catalog;
    this.#selection = new RestoreSelection(options.restore, this.#catalog);
    this.#statusFilter = this.#makeStatusFilter();
    this.#actions = options.bindActions(this.#catalog);
  }

  /** Restores everything; returns the plan for a dry run. Throws only for failures of the whole restore. */
  async execute(): Promise<RestorePlan | undefined> {
    const { deps, index, log } = this.#o;
    this.#index(backupResources(index, this.#catalog));
    this.#neededCrds = this.#resourcesInSelectedNamespaces();
    if (this.#resources.size === 0)
      this.#o.results.warning({ kind: 'velero' }, 'the backup holds zero items');
    const priorities = deps.resourcePriorities ?? DEFAULT_RESTORE_PRIORITIES;
    const tiers = orderResources(this.#resources.keys(), priorities).filter((gr) => {
      if (this.#selection.resources.matches(gr)) return true;
      this.#excluded += this.#resources.get(gr)?.items.length ?? 0;
      return false;
    });
    this.#o.progress.totalItems = tiers.reduce(
      (n, gr) => n + (this.#resources.get(gr)?.items.filter((i) => this.#selected(gr, i)).length ?? 0),
      0,
    );
    log.info(`restoring ${this.#o.progress.totalItems} items of ${tiers.length} resources`, {
      order: tiers.join(','),
    });
    for (const groupResource of tiers) {
      if (deps.signal?.aborted) throw new LifeboatError('Canceled', 'restore canceled');
      const resource = this.#resources.get(groupResource);
      if (!resource) continue;
      await forEachBounded(
        resource.items,
        this.#concurrency,
        (item) => this.#restoreItem(item, resource, new Set()),
        deps.signal,
      );
      if (groupResource === CRD_RESOURCE) await this.#afterCrds();
    }
    if (!this.#dryRun) return undefined;
    return {
      restoreName: this.#restoreName,
      backupName: this.#o.backupName,
      generatedAt: deps.clock.now().toISOString(),
      existingResourcePolicy: this.#policy,
      summary: { ...this.#summary },
      excluded: this.#excluded,
      entries: this.#entries,
      warnings: this.#planWarnings,
      errors: this.#planErrors,
    };
  }

  #index(resources: Map<string, BackupResource>): void {
    this.#resources = resources;
    this.#byKey = new Map();
    for (const resource of resources.values())
      for (const item of resource.items)
        this.#byKey.set(`${item.groupResource}|${item.namespace ?? ''}|${item.name}`, { item, resource });
  }

  /** After the CRD tier: discovery again, so custom resources resolve and their versions are chosen anew. */
  async #afterCrds(): Promise<void> {
    const crds = this.#resources.get(CRD_RESOURCE)?.items ?? [];
    for (const item of crds) {
      const crd = (await this.#o.index.object(item)) as KubeObject;
      for (const info of resourcesOfCrd(crd)) {
        const list = this.#crdResources.get(info.groupResource) ?? [];
        list.push(info);
        this.#crdResources.set(info.groupResource, list);
      }
    }
    if (this.#dryRun || !this.#o.deps.discover) return;
    this.#catalog = await this.#o.deps.discover();
    this.#selection.resources.useCatalog(this.#catalog);
    this.#resourceMatches.clear();
    this.#targets.clear();
    this.#statusFilter = this.#makeStatusFilter();
    this.#actions = this.#o.bindActions(this.#catalog);
    this.#index(backupResources(this.#o.index, this.#catalog));
    this.#o.log.info('discovery refreshed after restoring CustomResourceDefinitions');
  }

  #makeStatusFilter(): ResourceFilter | undefined {
    const rs = this.#o.restore.spec.restoreStatus;
    if (!rs || (rs.includedResources ?? []).length === 0) return undefined;
    return new ResourceFilter(rs.includedResources, rs.excludedResources, this.#catalog);
  }

  /** The resource filter, answered once per resource (it resolves names through discovery). */
  #resourceSelected(groupResource: string): boolean {
    let selected = this.#resourceMatches.get(groupResource);
    if (selected === undefined) {
      selected = this.#selection.resources.matches(groupResource);
      this.#resourceMatches.set(groupResource, selected);
    }
    return selected;
  }

  /** Namespace and cluster-scope filters (labels need the object, checked later). */
  #selected(groupResource: string, item: IndexedItem): boolean {
    if (item.namespace !== undefined) return this.#selection.namespaces.matches(item.namespace);
    if (groupResource === 'namespaces') return this.#selection.namespaces.matches(item.name);
    if (this.#selection.clusterScopedAllowed(groupResource)) return true;
    // "Auto" with a namespace filter leaves cluster-scoped objects out, but a CRD whose custom resources are
    // restored must come too, or they cannot be created. (A CRD's name is its resources' `resource.group`.)
    return (
      groupResource === CRD_RESOURCE &&
      this.#selection.clusterResourcesAuto &&
      this.#neededCrds.has(item.name)
    );
  }

  /** The resources with objects in the selected namespaces. */
  #resourcesInSelectedNamespaces(): Set<string> {
    const out = new Set<string>();
    for (const [groupResource, resource] of this.#resources)
      if (
        resource.items.some(
          (i) => i.namespace !== undefined && this.#selection.namespaces.matches(i.namespace),
        )
      )
        out.add(groupResource);
    return out;
  }

  async #restoreItem(item: IndexedItem, resource: BackupResource, chain: Set<string>): Promise<void> {
    const groupResource = resource.groupResource;
    if (!this.#resourceSelected(groupResource) || !this.#selected(groupResource, item)) {
      this.#excluded++;
      return;
    }
    const sourceNamespace = item.namespace;
    const targetNamespace =
      sourceNamespace === undefined ? undefined : (this.#mapping[sourceNamespace] ?? sourceNamespace);
    const targetName = groupResource === 'namespaces' ? (this.#mapping[item.name] ?? item.name) : item.name;
    const key = `${groupResource}|${targetNamespace ?? ''}|${targetName}`;
    if (chain.has(key)) return;
    const started = this.#started.get(key);
    if (started) return started;
    const ctx: ItemContext = { item, groupResource, sourceNamespace, targetNamespace, targetName };
    const running = this.#restoreOnce(ctx, new Set([...chain, key])).finally(() => {
      this.#o.progress.done();
      // A settled entry only marks the key as done; dropping the item's promise keeps 100,000 of them cheap.
      this.#started.set(key, SETTLED);
    });
    this.#started.set(key, running);
    return running;
  }

  async #restoreOnce(ctx: ItemContext, chain: Set<string>): Promise<void> {
    const { log, results } = this.#o;
    const label = describe(ctx);
    let fromBackup: KubeObject;
    try {
      fromBackup = (await this.#o.index.object(ctx.item)) as KubeObject;
    } catch (err) {
      results.itemError(ctx.targetNamespace, `${label}: ${errorMessage(err)}`);
      return;
    }
    if (!this.#selection.labels.matches(fromBackup.metadata?.labels)) {
      this.#excluded++;
      return;
    }
    const gvk = `${fromBackup.apiVersion ?? ''}/${fromBackup.kind ?? ''}`;
    try {
      const prepared = await this.#prepare(ctx, fromBackup, chain);
      if ('skipReason' in prepared) {
        log.item(`skipped ${label}: ${prepared.skipReason}`);
        this.#record(ctx, gvk, 'skipped');
        this.#planEntry(ctx, gvk, 'skip', prepared.skipReason);
        return;
      }
      const resource = this.#resourceFor(ctx.groupResource, prepared.object.apiVersion);
      if (!resource)
        throw new LifeboatError(
          'NotFound',
          this.#unservedMessage(ctx.groupResource, prepared.object.apiVersion),
        );
      if (this.#dryRun) await this.#plan(ctx, resource, prepared.object, prepared.status);
      else await this.#write(ctx, resource, prepared.object, prepared.status);
    } catch (err) {
      const message = `${label}: ${errorMessage(err)}`;
      results.itemError(ctx.targetNamespace, message);
      log.error(`could not restore ${message}`, { namespace: ctx.targetNamespace });
      this.#record(ctx, gvk, 'failed');
      if (this.#dryRun) this.#planErrors.push(message);
    }
  }

  /** Strip → actions (additional items first) → modifiers → namespace, name and labels. */
  async #prepare(
    ctx: ItemContext,
    fromBackup: KubeObject,
    chain: Set<string>,
  ): Promise<{ object: KubeObject; status?: unknown } | { skipReason: string }> {
    if (ctx.groupResource === 'persistentvolumes' && !this.#dryRun) {
      const why = this.#o.volumes?.session?.persistentVolumeSkipReason?.(fromBackup);
      if (why) return { skipReason: why };
    }
    let object = stripServerFields(fromBackup, false);
    for (const bound of this.#actions) {
      if (!bound.applies(ctx.groupResource, ctx.sourceNamespace, object)) continue;
      const output = await bound.action.execute({
        item: object,
        itemFromBackup: fromBackup,
        restore: this.#o.restore,
        sourceNamespace: ctx.sourceNamespace,
        backupItem: (id) => this.#backupItem(id),
      });
      if (output.skipRestore) return { skipReason: output.skipReason ?? `skipped by ${bound.action.name}` };
      object = output.updatedItem;
      for (const id of output.additionalItems ?? []) await this.#restoreAdditional(id, chain);
    }
    if (this.#o.modifiers) {
      object = this.#o.modifiers.apply(
        object,
        ctx.groupResource,
        this.#isCustomResource(ctx.groupResource),
      ).object;
    }
    const metadata = object.metadata ?? {};
    object.metadata = metadata;
    if (ctx.targetNamespace !== undefined) metadata.namespace = ctx.targetNamespace;
    if (ctx.groupResource === 'namespaces') {
      metadata.name = ctx.targetName;
      if (metadata.labels?.['kubernetes.io/metadata.name'] !== undefined)
        metadata.labels['kubernetes.io/metadata.name'] = ctx.targetName;
    }
    addRestoreLabels(object, this.#o.backupName, this.#restoreName);
    if (!this.#dryRun) object = await this.#prepareVolumes(ctx, object);
    const status = this.#restoresStatus(ctx.groupResource, fromBackup) ? fromBackup.status : undefined;
    return { object, status };
  }

  async #write(
    ctx: ItemContext,
    resource: ApiResourceInfo,
    object: KubeObject,
    status: unknown,
  ): Promise<void> {
    const { client } = this.#o.deps;
    const gvk = `${object.apiVersion ?? resource.groupVersion}/${object.kind ?? resource.kind}`;
    if (ctx.targetNamespace !== undefined)
      await this.#ensureNamespace(ctx.sourceNamespace ?? '', ctx.targetNamespace);
    let outcome: ItemOutcome;
    try {
      const created = await client.create(resource, object);
      outcome = 'created';
      if (status !== undefined) await this.#writeStatus(ctx, resource, created, status);
      if (ctx.groupResource === 'pods') this.#podCreated(ctx, created);
    } catch (err) {
      if (!isLifeboatError(err, 'AlreadyExists')) throw err;
      outcome = await this.#handleExisting(ctx, resource, object, status);
    }
    if (ctx.groupResource === CRD_RESOURCE && outcome !== 'failed')
      await waitForEstablished(client, resource, ctx.targetName, {
        clock: this.#o.deps.clock,
        timeoutMs: this.#o.deps.crdEstablishTimeoutMs ?? 60_000,
        signal: this.#o.deps.signal,
      });
    this.#o.log.item(`${outcome} ${describe(ctx)}`, { namespace: ctx.targetNamespace });
    this.#record(ctx, gvk, outcome);
  }

  /**
   * Pods: the `restore-wait` init container (when their volumes come back by file system), then init-container
   * hooks. Claims: from a snapshot when their volume info says so, the objects that needs created first.
   */
  async #prepareVolumes(ctx: ItemContext, object: KubeObject): Promise<KubeObject> {
    const volumes = this.#o.volumes;
    if (!volumes) return object;
    const source = ctx.sourceNamespace ?? '';
    if (ctx.groupResource === 'pods') {
      const waiting = volumes.session ? volumes.session.preparePod(object, source) : object;
      return volumes.initContainerHooks ? volumes.initContainerHooks(waiting, this.#o.restore) : waiting;
    }
    if (ctx.groupResource !== 'persistentvolumeclaims' || !volumes.session) return object;
    const { pvc, create } = await volumes.session.preparePvc(object, source);
    if (create.length > 0 && ctx.targetNamespace !== undefined)
      await this.#ensureNamespace(source, ctx.targetNamespace);
    for (const extra of create) await this.#createExtra(extra);
    return pvc;
  }

  /** An object a volume restore needs before its claim (a VolumeSnapshot and its content, a DataDownload). */
  async #createExtra(object: KubeObject): Promise<void> {
    const apiVersion = object.apiVersion ?? '';
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
    const resource = this.#catalog.forKind(group, object.kind ?? '');
    if (!resource)
      throw new LifeboatError('NotFound', `the cluster does not serve ${object.apiVersion} ${object.kind}`);
    try {
      await this.#o.deps.client.create(resource, object);
    } catch (err) {
      if (!isLifeboatError(err, 'AlreadyExists')) throw err;
    }
    this.#o.log.item(
      `created ${object.kind} ${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''} for a volume`,
    );
  }

  #podCreated(ctx: ItemContext, created: KubeObject): void {
    const volumes = this.#o.volumes;
    volumes?.session?.podCreated(created, ctx.sourceNamespace ?? '');
    volumes?.hooks?.afterPodCreated(created);
  }

  async #writeStatus(
    ctx: ItemContext,
    resource: ApiResourceInfo,
    created: KubeObject,
    status: unknown,
  ): Promise<void> {
    try {
      await this.#o.deps.client.updateStatus(resource, { ...created, status });
    } catch (err) {
      this.#o.results.itemWarning(
        ctx.targetNamespace,
        `${describe(ctx)}: status not restored: ${errorMessage(err)}`,
      );
    }
  }

  /** AlreadyExists: equal → skipped; different → warning (none) or merge patch (update). */
  async #handleExisting(
    ctx: ItemContext,
    resource: ApiResourceInfo,
    desired: KubeObject,
    status: unknown,
  ): Promise<ItemOutcome> {
    const { client } = this.#o.deps;
    const live = await client.get(resource, ctx.targetNamespace, ctx.targetName);
    if (!live) throw new LifeboatError('Conflict', 'it already exists but could not be read back');
    const compared = status === undefined ? desired : { ...desired, status };
    const liveNormal = normalizeLive(live, status !== undefined);
    const diff = diffObjects(compared, liveNormal, { secret: ctx.groupResource === 'secrets' });
    if (diff.length === 0) return 'skipped';
    if (this.#policy === 'update') {
      await client.patch(
        resource,
        ctx.targetNamespace,
        ctx.targetName,
        'merge',
        mergePatchFor(desired, liveNormal),
      );
      if (status !== undefined)
        await this.#writeStatus(
          ctx,
          resource,
          (await client.get(resource, ctx.targetNamespace, ctx.targetName)) ?? live,
          status,
        );
      return 'updated';
    }
    this.#o.results.itemWarning(
      ctx.targetNamespace,
      `could not restore ${describe(ctx)}: it already exists and differs (${summarizeDiff(diff)})`,
    );
    return 'skipped';
  }

  async #plan(
    ctx: ItemContext,
    resource: ApiResourceInfo,
    desired: KubeObject,
    status: unknown,
  ): Promise<void> {
    const gvk = `${desired.apiVersion ?? resource.groupVersion}/${desired.kind ?? resource.kind}`;
    const live = await this.#o.deps.client.get(resource, ctx.targetNamespace, ctx.targetName);
    if (!live) {
      this.#planEntry(ctx, gvk, 'create');
      return;
    }
    const compared = status === undefined ? desired : { ...desired, status };
    const diff = diffObjects(compared, normalizeLive(live, status !== undefined), {
      secret: ctx.groupResource === 'secrets',
    });
    if (diff.length === 0) this.#planEntry(ctx, gvk, 'skip', 'exists unchanged');
    else if (this.#policy === 'update') this.#planEntry(ctx, gvk, 'update', undefined, diff);
    else
      this.#planEntry(
        ctx,
        gvk,
        'conflict',
        'exists and differs; existingResourcePolicy none leaves it',
        diff,
      );
  }

  #planEntry(
    ctx: ItemContext,
    gvk: string,
    action: PlanEntry['action'],
    reason?: string,
    diff?: FieldDifference[],
  ): void {
    if (!this.#dryRun) return;
    this.#summary[action]++;
    const entry: PlanEntry = {
      gvk,
      groupResource: ctx.groupResource,
      namespace: ctx.targetNamespace,
      name: ctx.targetName,
      action,
    };
    if (reason) entry.reason = reason;
    if (diff && diff.length > 0) {
      entry.diff = diff.slice(0, DIFF_EXCERPT);
      entry.diffCount = diff.length;
    }
    this.#entries.push(entry);
  }

  #record(ctx: ItemContext, gvk: string, outcome: ItemOutcome): void {
    if (!this.#dryRun) this.#o.resourceList.add(gvk, ctx.targetNamespace, ctx.targetName, outcome);
  }

  async #restoreAdditional(id: ResourceIdentifier, chain: Set<string>): Promise<void> {
    const found = this.#byKey.get(`${id.groupResource}|${id.namespace ?? ''}|${id.name}`);
    if (!found) {
      this.#o.results.itemWarning(
        id.namespace,
        `additional item ${id.groupResource} ${id.namespace ? `${id.namespace}/` : ''}${id.name} is not in the backup`,
      );
      return;
    }
    await this.#restoreItem(found.item, found.resource, chain);
  }

  async #backupItem(id: ResourceIdentifier): Promise<KubeObject | undefined> {
    const found = this.#byKey.get(`${id.groupResource}|${id.namespace ?? ''}|${id.name}`);
    return found ? ((await this.#o.index.object(found.item)) as KubeObject) : undefined;
  }

  /** Creates the target namespace if missing (from the backed-up one, renamed, or blank); waits out a terminating one. */
  #ensureNamespace(sourceNamespace: string, targetNamespace: string): Promise<void> {
    const existing = this.#namespaces.get(targetNamespace);
    if (existing) return existing;
    const ensured = this.#createNamespace(sourceNamespace, targetNamespace);
    this.#namespaces.set(targetNamespace, ensured);
    return ensured;
  }

  async #createNamespace(sourceNamespace: string, targetNamespace: string): Promise<void> {
    const { client, clock, signal } = this.#o.deps;
    const resource = this.#catalog.resolve('namespaces');
    if (!resource) throw new LifeboatError('Unavailable', 'the target cluster serves no namespaces');
    const deadline = clock.now().getTime() + NAMESPACE_TERMINATING_TIMEOUT_MS;
    for (;;) {
      const live = await client.get(resource, undefined, targetNamespace);
      if (!live) break;
      if (!live.metadata?.deletionTimestamp) return;
      if (clock.now().getTime() > deadline)
        throw new LifeboatError('Timeout', `namespace ${targetNamespace} is still terminating`);
      await clock.sleep(250, signal);
    }
    const backedUp = await this.#backupItem({ groupResource: 'namespaces', name: sourceNamespace });
    const object: KubeObject = backedUp
      ? stripServerFields(backedUp, false)
      : { apiVersion: 'v1', kind: 'Namespace', metadata: {} };
    object.metadata = { ...object.metadata, name: targetNamespace };
    if (object.metadata.labels?.['kubernetes.io/metadata.name'] !== undefined)
      object.metadata.labels['kubernetes.io/metadata.name'] = targetNamespace;
    addRestoreLabels(object, this.#o.backupName, this.#restoreName);
    try {
      await client.create(resource, object);
      this.#o.log.item(`created namespace ${targetNamespace}`);
    } catch (err) {
      if (!isLifeboatError(err, 'AlreadyExists')) throw err;
    }
  }

  #resourceFor(groupResource: string, apiVersion: string | undefined): ApiResourceInfo | undefined {
    const key = `${groupResource}|${apiVersion ?? ''}`;
    if (this.#targets.has(key)) return this.#targets.get(key);
    const version = apiVersion?.split('/').pop();
    const target =
      targetResourceFor(this.#catalog, groupResource, apiVersion) ??
      this.#crdResources.get(groupResource)?.find((r) => r.version === version);
    // Unresolved answers are not cached: a CRD restored later in this run may make them resolve.
    if (target) this.#targets.set(key, target);
    return target;
  }

  #unservedMessage(groupResource: string, apiVersion: string | undefined): string {
    const versions = this.#catalog.versionsOf(groupResource).map((r) => r.version);
    if (versions.length === 0) return `the target cluster does not serve ${groupResource}`;
    return `the target cluster serves ${groupResource} at ${versions.join(', ')}, not at ${apiVersion ?? '(no apiVersion)'}`;
  }

  #isCustomResource(groupResource: string): boolean {
    if (this.#crdResources.has(groupResource)) return true;
    const dot = groupResource.indexOf('.');
    const group = dot < 0 ? '' : groupResource.slice(dot + 1);
    return !(BUILTIN_GROUPS.has(group) || group.endsWith('.k8s.io'));
  }

  #restoresStatus(groupResource: string, object: KubeObject): boolean {
    const override = object.metadata?.annotations?.[ANNOTATIONS.restoreStatus];
    if (override === 'true') return object.status !== undefined;
    if (override === 'false') return false;
    return object.status !== undefined && this.#statusFilter?.matches(groupResource) === true;
  }
}

function describe(ctx: ItemContext): string {
  return `${ctx.groupResource} ${ctx.targetNamespace ? `${ctx.targetNamespace}/` : ''}${ctx.targetName}`;
}

/** `spec.replicas: 3 → 2; metadata.labels[tier] removed; …and 4 more`. */
export function summarizeDiff(diff: readonly FieldDifference[], max = 3): string {
  const parts = diff.slice(0, max).map((d) => {
    if (d.change === 'added') return `${d.path} only in the backup`;
    if (d.change === 'removed') return `${d.path} only in the cluster`;
    return `${d.path}: ${d.live} in the cluster, ${d.desired} in the backup`;
  });
  if (diff.length > max) parts.push(`and ${diff.length - max} more`);
  return parts.join('; ');
}
