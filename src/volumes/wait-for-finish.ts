import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiResourceInfo, DynamicClient, KubeObject } from '../kube/types.ts';

/**
 * Reads an object again and again until `done` says so or `signal` aborts; answers the last state read and
 * whether it was done. A failed read is retried at the next tick (the client already retried transient
 * errors); an object that disappeared counts as done, as it is.
 */
export async function waitForFinish(
  client: DynamicClient,
  resource: ApiResourceInfo,
  object: KubeObject,
  options: { done: (o: KubeObject) => boolean; intervalMs: number; signal: AbortSignal },
): Promise<{ object: KubeObject; done: boolean }> {
  let last = object;
  const name = object.metadata?.name ?? '';
  const namespace = object.metadata?.namespace;
  while (!options.signal.aborted) {
    if (options.done(last)) return { object: last, done: true };
    try {
      await sleep(options.intervalMs, undefined, { signal: options.signal });
    } catch {
      break;
    }
    try {
      const read = await client.get(resource, namespace, name);
      if (!read) return { object: last, done: true };
      last = read;
    } catch {
      // Read again at the next tick.
    }
  }
  return { object: last, done: options.done(last) };
}
