import { errorMessage, LifeboatError } from '../core/errors.ts';
import type { ResultsCollector } from '../core/results.ts';
import type { ApiResourceInfo, DynamicClient, ResourceCatalog } from '../kube/types.ts';
import type { BackupLog } from './backup-log.ts';
import { type ItemPipeline, type ItemSink, resultMessage, SinkError } from './item-pipeline.ts';
import { type BackupPlan, matchesSelectors } from './plan.ts';
import type { ProgressTracker } from './progress.ts';
import { acceptsListedJson } from './sinks.ts';

/** Verbs a resource needs to be backed up and restored (Velero's rule). */
const REQUIRED_VERBS = ['list', 'get', 'create', 'delete'];

/** How many items of one page may run item actions at once (each may fetch related items). */
const ACTIONS_PER_PAGE = 8;

/**
 * Types served twice under different groups: only the first one seen is backed up (Velero's "cohabiting"
 * resources). Keyed by the one to skip, valued by the one that wins.
 */
const COHABITING: Record<string, string> = {
  'deployments.extensions': 'deployments.apps',
  'daemonsets.extensions': 'daemonsets.apps',
  'replicasets.extensions': 'replicasets.apps',
  'networkpolicies.extensions': 'networkpolicies.networking.k8s.io',
  'events.events.k8s.io': 'events',
};

/** One list to run: a resource, in one namespace (or all), with one selector. */
export interface ListTask {
  resource: ApiResourceInfo;
  namespace?: string;
  labelSelector: string | undefined;
  /** `orderedResources` entries, fetched before the list (only on the resource's first task). */
  ordered?: { namespace?: string; name: string }[];
}

/**
 * The resources a backup lists, in Velero's order: pods, PVCs and PVs first (so volumes are seen with their
 * users), then discovery order, the legacy `extensions` group last.
 */
export function resourcesToList(catalog: ResourceCatalog, plan: BackupPlan): ApiResourceInfo[] {
  const all = catalog.preferred().filter((r) => REQUIRED_VERBS.every((v) => r.verbs.includes(v)));
  const present = new Set(all.map((r) => r.groupResource));
  const rank = (r: ApiResourceInfo): number => {
    const first = ['pods', 'persistentvolumeclaims', 'persistentvolumes'].indexOf(r.groupResource);
    if (first !== -1) return first;
    return r.group === 'extensions' ? 4 : 3;
  };
  return all
    .filter((r) => !(COHABITING[r.groupResource] && present.has(COHABITING[r.groupResource])))
    .filter((r) => plan.resources.collects(r))
    .map((r, i) => ({ r, i }))
    .sort((a, b) => rank(a.r) - rank(b.r) || a.i - b.i)
    .map(({ r }) => r);
}

/** Splits the resources into lists: per namespace when the plan names namespaces, per selector. */
export function listTasks(resources: readonly ApiResourceInfo[], plan: BackupPlan): ListTask[] {
  const tasks: ListTask[] = [];
  for (const resource of resources) {
    const scopes: (string | undefined)[] =
      resource.namespaced && plan.listNamespaces ? plan.listNamespaces : [undefined];
    let first = true;
    for (const namespace of scopes)
      for (const labelSelector of plan.listSelectors) {
        const ordered = first ? plan.ordered.get(resource.groupResource) : undefined;
        tasks.push({ resource, namespace, labelSelector, ...(ordered ? { ordered } : {}) });
        first = false;
      }
  }
  return tasks;
}

export interface CollectContext {
  plan: BackupPlan;
  client: DynamicClient;
  pipeline: ItemPipeline;
  sink: ItemSink;
  results: ResultsCollector;
  log: BackupLog;
  progress: ProgressTracker;
  concurrency: number;
  pageSize?: number;
  signal?: AbortSignal;
}

/**
 * Runs the list tasks, `concurrency` at a time, feeding every page through the pipeline and waiting for the
 * sink between pages (so memory stays at a few pages per list). A list that fails is an error of the backup
 * (PartiallyFailed), filed under its namespace or `cluster`; a sink that fails, or an abort, stops everything
 * and rejects.
 */
export async function collect(tasks: readonly ListTask[], ctx: CollectContext): Promise<void> {
  let next = 0;
  let fatal: unknown;
  const worker = async (): Promise<void> => {
    while (fatal === undefined && next < tasks.length) {
      const task = tasks[next++];
      try {
        await runTask(task, ctx, () => fatal !== undefined);
      } catch (err) {
        fatal ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(ctx.concurrency, tasks.length)) }, worker));
  if (fatal !== undefined) throw fatal;
}

async function runTask(task: ListTask, ctx: CollectContext, stopped: () => boolean): Promise<void> {
  const { resource } = task;
  const where = { resource: resource.groupResource, namespace: task.namespace };
  if (task.ordered) await backUpOrdered(task, ctx);
  let count = 0;
  const rawSink = acceptsListedJson(ctx.sink) ? ctx.sink : undefined;
  // Items stored as listed, by no action, need no more than their metadata decoded.
  const metadataDigest =
    rawSink !== undefined && !rawSink.needsWholeItems(resource) && !ctx.pipeline.needsWholeItems(resource);
  try {
    const pages = ctx.client
      .listPages(resource, {
        namespace: task.namespace,
        labelSelector: task.labelSelector,
        limit: ctx.pageSize,
        metadataDigest,
      })
      [Symbol.asyncIterator]();
    // One page is fetched ahead, so the API server works on the next page while this one is written.
    let next = prefetch(pages);
    for (;;) {
      const result = await next;
      if (result.done) break;
      next = prefetch(pages);
      const page = result.value;
      checkAbort(ctx.signal);
      if (stopped()) {
        await next.catch(() => undefined);
        await pages.return?.();
        return;
      }
      let pending: Promise<void>[] = [];
      for (let i = 0; i < page.items.length; i++) {
        const item = page.items[i];
        // Items written while `offer` runs synchronously are unchanged: the sink may store their bytes as listed.
        rawSink?.expectListed(item, page, i);
        const running = ctx.pipeline.offer(resource, item, 'listed');
        rawSink?.expectListed(undefined);
        if (!running) continue;
        pending.push(running);
        if (pending.length >= ACTIONS_PER_PAGE) {
          await Promise.all(pending);
          pending = [];
        }
      }
      await Promise.all(pending);
      count += page.items.length;
      await ctx.sink.flushed();
      ctx.progress.tick();
    }
  } catch (err) {
    if (isFatal(err, ctx)) throw err;
    const message = `cannot list ${resource.groupResource}`;
    ctx.results.itemError(task.namespace, resultMessage(resource.groupResource, '', message, err));
    ctx.log.error({ ...where, err: errorMessage(err) }, message);
    return;
  }
  ctx.log.info({ ...where, items: count }, 'listed resource');
}

async function backUpOrdered(task: ListTask, ctx: CollectContext): Promise<void> {
  for (const entry of task.ordered ?? []) {
    checkAbort(ctx.signal);
    const namespace = task.resource.namespaced ? entry.namespace : undefined;
    let object: Awaited<ReturnType<DynamicClient['get']>>;
    try {
      object = await ctx.client.get(task.resource, namespace, entry.name);
    } catch (err) {
      ctx.results.itemError(
        namespace,
        resultMessage(task.resource.groupResource, entry.name, 'cannot read ordered item', err),
      );
      continue;
    }
    if (!object) {
      ctx.log.warn(
        { resource: task.resource.groupResource, namespace, name: entry.name },
        'ordered item not found',
      );
      continue;
    }
    if (!matchesSelectors(ctx.plan, object.metadata?.labels)) continue;
    await ctx.pipeline.offer(task.resource, object, 'ordered');
  }
  await ctx.sink.flushed();
}

/** Starts fetching the next page; a failure surfaces when the page is awaited, never as an unhandled rejection. */
function prefetch<T>(pages: AsyncIterator<T>): Promise<IteratorResult<T>> {
  const next = pages.next();
  next.catch(() => undefined);
  return next;
}

function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted)
    throw new LifeboatError('Canceled', `backup canceled: ${errorMessage(signal.reason ?? 'aborted')}`);
}

/** Errors of the sink (storage) and cancellation end the whole backup; list errors do not. */
function isFatal(err: unknown, ctx: CollectContext): boolean {
  if (ctx.signal?.aborted) return true;
  return err instanceof SinkError || (err instanceof LifeboatError && err.code === 'Canceled');
}
