import { Worker } from 'node:worker_threads';

// Compiled builds (dist/, `npm run build`) run .js files; tests and tsx run the .ts sources, whose workers
// need tsx loaded too (Node 20 does not pass the parent's --import hooks on to workers).
const FROM_SOURCE = import.meta.url.endsWith('.ts');

/** Starts one of this folder's worker scripts (`chunk-worker`, `restore-worker`) from source or from dist. */
export function startWorker(name: 'chunk-worker' | 'restore-worker'): Worker {
  const url = new URL(`./${name}.${FROM_SOURCE ? 'ts' : 'js'}`, import.meta.url);
  if (!FROM_SOURCE) return new Worker(url);
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { eval: true });
}
