import { Worker } from 'node:worker_threads';

// Compiled builds (dist/, `npm run build`) run .js files; tests and tsx run the .ts sources, whose workers
// need tsx loaded too (Node 20 does not pass the parent's --import hooks on to workers).
const FROM_SOURCE = import.meta.url.endsWith('.ts');

/**
 * The workers keep few JavaScript objects alive (their bytes live in fixed buffers), so a small young
 * generation costs little GC time and keeps each worker's heap (and the process's RSS) small.
 */
const RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 4 };

export type WorkerName = 'chunk-worker' | 'restore-worker';

/** Workers started ahead of need, by script: see `prestartWorkers`. */
const spares = new Map<WorkerName, Worker[]>();

/**
 * Starts `count` workers of `name` now, for a command that will most likely need them once the repository is
 * open: loading a worker (its modules, its WebAssembly) takes about a tenth of a second, which then overlaps
 * with the command's own start and the key derivation instead of following them. `startWorker` hands them
 * out first. Unused spares do not keep the process alive, and a spare that fails is dropped.
 */
export function prestartWorkers(name: WorkerName, count: number): void {
  const list = spares.get(name) ?? [];
  spares.set(name, list);
  for (let i = list.length; i < count; i++) {
    const worker = createWorker(name);
    worker.unref();
    const drop = (): void => {
      const at = list.indexOf(worker);
      if (at >= 0) list.splice(at, 1);
    };
    worker.once('error', drop);
    worker.once('exit', drop);
    list.push(worker);
  }
}

/** Spares of `name` waiting to be handed out. */
export function spareWorkers(name: WorkerName): number {
  return spares.get(name)?.length ?? 0;
}

/**
 * A worker running one of this folder's scripts (`chunk-worker`, `restore-worker`): a prestarted one when
 * there is one, else a new one.
 */
export function startWorker(name: WorkerName): Worker {
  const spare = spares.get(name)?.shift();
  if (spare) {
    spare.removeAllListeners('error');
    spare.removeAllListeners('exit');
    spare.ref();
    return spare;
  }
  return createWorker(name);
}

function createWorker(name: WorkerName): Worker {
  const url = new URL(`./${name}.${FROM_SOURCE ? 'ts' : 'js'}`, import.meta.url);
  if (!FROM_SOURCE) return new Worker(url, { resourceLimits: RESOURCE_LIMITS });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { eval: true, resourceLimits: RESOURCE_LIMITS });
}
