/**
 * Test support for exec and hooks: a kubesim with its simulated cluster, a namespace, and pods whose containers
 * run `sleep` for real (so `pods/exec` runs commands in their sandboxes, with their volumes mounted).
 */
import { type Kubesim, startKubesim } from '../kubesim/index.ts';
import { connect, type KubeConnection } from './client.ts';
import { discoverResources } from './discovery.ts';
import { createDynamicClient } from './dynamic-client.ts';
import type { ApiResourceInfo, DynamicClient, KubeObject, ResourceCatalog } from './types.ts';

export interface ExecFixture {
  sim: Kubesim;
  conn: KubeConnection;
  client: DynamicClient;
  catalog: ResourceCatalog;
  pods: ApiResourceInfo;
  /** Creates a namespace (once) and a pod in it; resolves once every container runs. */
  runPod(pod: KubeObject): Promise<KubeObject>;
  /** Polls a pod until `check` accepts it. */
  waitPod(
    namespace: string,
    name: string,
    what: string,
    check: (pod: KubeObject) => boolean,
    timeoutMs?: number,
  ): Promise<KubeObject>;
  stop(): Promise<void>;
}

export async function startExecFixture(): Promise<ExecFixture> {
  const sim = await startKubesim({ nodes: 1 });
  const conn = connect(sim.kubeconfigPath);
  const client = createDynamicClient(conn);
  const catalog = await discoverResources(conn);
  const pods = catalog.resolve('pods')!;
  const namespaces = catalog.resolve('namespaces')!;
  const made = new Map<string, Promise<unknown>>();

  const waitPod: ExecFixture['waitPod'] = async (namespace, name, what, check, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    let last: KubeObject | undefined;
    for (;;) {
      last = await client.get(pods, namespace, name);
      if (last && check(last)) return last;
      if (Date.now() > deadline)
        throw new Error(`pod ${namespace}/${name} never became ${what}: ${JSON.stringify(last?.status)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  return {
    sim,
    conn,
    client,
    catalog,
    pods,
    waitPod,
    async runPod(pod) {
      const namespace = pod.metadata?.namespace ?? 'default';
      if (namespace !== 'default' && !made.has(namespace))
        made.set(
          namespace,
          client.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }),
        );
      await made.get(namespace);
      await client.create(pods, pod);
      return waitPod(namespace, pod.metadata?.name ?? '', 'Running', allContainersRunning);
    },
    stop: () => sim.stop(),
  };
}

export function allContainersRunning(pod: KubeObject): boolean {
  const status = pod.status as
    | { phase?: string; containerStatuses?: { state?: { running?: unknown } }[] }
    | undefined;
  const statuses = status?.containerStatuses ?? [];
  return status?.phase === 'Running' && statuses.length > 0 && statuses.every((s) => s.state?.running);
}

/** A pod with `sleep` containers (named as given) sharing an emptyDir mounted at `/data`. */
export function sleepingPod(
  namespace: string,
  name: string,
  options: {
    containers?: string[];
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  } = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace, name, annotations: options.annotations, labels: options.labels },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: (options.containers ?? ['app']).map((c) => ({
        name: c,
        image: 'busybox',
        command: ['sleep', '3600'],
        volumeMounts: [{ name: 'data', mountPath: '/data' }],
      })),
      volumes: [{ name: 'data', emptyDir: {} }],
    },
  };
}
