import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../core/clock.ts';
import { SYSTEM_NAMESPACES } from '../apiserver/admission/namespaces.ts';
import { createObjectService, type KubeObjectService } from '../apiserver/object-service.ts';
import type { ResourceRef } from '../apiserver/types.ts';
import { createBuiltinRegistry } from '../registry/registry.ts';
import type { KubeObject } from '../registry/types.ts';
import type { ContainerRuntime } from '../runtime/types.ts';
import { type ClusterSimulation, startClusterSimulation } from './index.ts';
import type { Timing } from './runtime/context.ts';

/** Intervals short enough that a test sees a whole rollout in well under a second. */
export const FAST_TIMING: Partial<Timing> = {
  resyncMs: 500,
  pollMs: 20,
  simulatedJobRunMs: 50,
  crashLoopBaseMs: 50,
};

export type TestCluster = {
  api: KubeObjectService;
  sim: ClusterSimulation;
  dataDir: string;
  ref(group: string, resource: string): ResourceRef;
  /** Polls `probe` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
  waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs?: number): Promise<T>;
  get(group: string, resource: string, namespace: string | undefined, name: string): KubeObject | undefined;
  stop(): Promise<void>;
};

/**
 * A real API server (the in-process object service over the built-in registry) with the simulated cluster
 * on it, in a temporary data directory: what the tests of this folder run against.
 */
export async function startTestCluster(
  options: { nodes?: number; runtime?: ContainerRuntime; clock?: Clock; timing?: Partial<Timing> } = {},
): Promise<TestCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kubesim-cluster-'));
  const registry = createBuiltinRegistry();
  const api = createObjectService({ registry, clock: options.clock });
  api.bootstrap(SYSTEM_NAMESPACES);
  const sim = await startClusterSimulation(api, {
    nodes: options.nodes ?? 2,
    dataDir,
    runtime: options.runtime,
    clock: options.clock,
    resourceTypes: registry,
    timing: { ...FAST_TIMING, ...(options.timing ?? {}) },
  });
  const ref = (group: string, resource: string): ResourceRef => {
    const type = registry.find(group, resource);
    if (!type) throw new Error(`no resource ${resource}.${group}`);
    const found = api.lookup(group, type.versions.find((v) => v.served)!.name, resource);
    if (!found) throw new Error(`no resource ${resource}.${group}`);
    return found;
  };
  const get = (
    group: string,
    resource: string,
    namespace: string | undefined,
    name: string,
  ): KubeObject | undefined => {
    try {
      return api.get(ref(group, resource), namespace, name);
    } catch {
      return undefined;
    }
  };
  return {
    api,
    sim,
    dataDir,
    ref,
    get,
    async waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = probe();
        if (value !== undefined && value !== false) return value as T;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async stop() {
      await sim.stop();
      api.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
