import { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import type { Clock } from '../core/clock.ts';
import { LifeboatError } from '../core/errors.ts';
import { ManifestApplier } from './manifest-applier.ts';
import type { KubeObject } from './types.ts';

/**
 * The Kubernetes port's entry: a connection built from a kubeconfig file, over the real client library.
 * Engines receive this (or narrower interfaces over it), never the library directly.
 */
export type KubeConnection = {
  config: KubeConfig;
  objects: KubernetesObjectApi;
  /** The API server URL of the current context, for messages (never credentials). */
  server: string;
};

export function connect(kubeconfigPath: string, context?: string): KubeConnection {
  const config = new KubeConfig();
  try {
    config.loadFromFile(kubeconfigPath);
  } catch (err) {
    throw new LifeboatError(
      'Invalid',
      `cannot read kubeconfig ${kubeconfigPath}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  if (context) config.setCurrentContext(context);
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new LifeboatError('Invalid', `kubeconfig ${kubeconfigPath} has no current cluster`);
  return { config, objects: KubernetesObjectApi.makeApiClient(config), server: cluster.server };
}

const appliers = new WeakMap<KubeConnection, ManifestApplier>();

/**
 * Server-side apply under Lifeboat's field manager: creates what is missing, updates what it owns. The
 * manifest's JSON goes out as it is (see ManifestApplier for why not through the library's typed API).
 */
export async function applyObject<T extends KubeObject>(conn: KubeConnection, object: T): Promise<T> {
  let applier = appliers.get(conn);
  if (!applier) {
    applier = new ManifestApplier(conn);
    appliers.set(conn, applier);
  }
  return applier.apply(object);
}

/** Polls `check` until it returns a value, or fails with a Timeout naming `what`. */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined>,
  options: { timeoutMs: number; intervalMs?: number; clock: Clock },
): Promise<T> {
  const deadline = options.clock.now().getTime() + options.timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (options.clock.now().getTime() >= deadline) {
      throw new LifeboatError('Timeout', `timed out after ${options.timeoutMs} ms waiting for ${what}`);
    }
    await options.clock.sleep(options.intervalMs ?? 200);
  }
}
