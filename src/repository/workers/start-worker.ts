import { Worker } from 'node:worker_threads';

// Compiled builds (dist/, `npm run build`) run .js files; tests and tsx run the .ts sources, whose workers
// need tsx loaded too (Node 20 does not pass the parent's --import hooks on to workers).
const FROM_SOURCE = import.meta.url.endsWith('.ts');

/**
 * The workers keep few JavaScript objects alive (their bytes live in fixed buffers), so a small young
 * generation costs little GC time and keeps each worker's heap (and the process's RSS) small.
 */
const RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 4 };

/** Starts one of this folder's worker scripts (`chunk-worker`, `restore-worker`) from source or from dist. */
export function startWorker(name: 'chunk-worker' | 'restore-worker'): Worker {
  const url = new URL(`./${name}.${FROM_SOURCE ? 'ts' : 'js'}`, import.meta.url);
  if (!FROM_SOURCE) return new Worker(url, { resourceLimits: RESOURCE_LIMITS });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { eval: true, resourceLimits: RESOURCE_LIMITS });
}
