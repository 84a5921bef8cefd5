/**
 * Node agents for tests and benchmarks on kubesim: one per simulated node, reading that node's host root.
 * In this process by default; as child processes (`lifeboat node-agent`, which a test may SIGKILL) with
 * `mode: 'process'`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { type Logger, pino } from 'pino';
import { type NodeAgent, startNodeAgent } from '../../src/agent/index.ts';
import { BackupRepositoryReconciler } from '../../src/controllers/backup-repository.ts';
import type { ControllerContext } from '../../src/controllers/context.ts';
import { StorageLocations } from '../../src/controllers/storage-locations.ts';
import { type ControllerTestEnv, controllerTestEnv } from '../../src/controllers/testing.ts';
import { connect, createDynamicClient } from '../../src/kube/index.ts';
import { type Kubesim, startKubesim } from '../../src/kubesim/index.ts';
import { TEST_KDF } from '../../src/repository/maintenance/testing.ts';
import { BACKUP_REPOSITORIES } from '../../src/volumes/repositories/index.ts';

/** The server side the agent's tests stand on (CRDs, the server namespace, fs locations). */
export { type ControllerTestEnv, controllerTestEnv };

const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface NodeAgentsOptions {
  kubeconfig: string;
  /** The server's namespace. */
  namespace: string;
  /** `inline` (default): in this process; `process`: one `lifeboat node-agent` child per node. */
  mode?: 'inline' | 'process';
  logger?: Logger;
  progressIntervalMs?: number;
}

export interface NodeAgents {
  stop(): Promise<void>;
  /** Stops the node's agent (SIGKILL for a child: no chance to tidy up) and starts a new one. */
  restart(node: string): Promise<void>;
  /** SIGKILLs the node's child agent (process mode only) without starting another. */
  kill(node: string): Promise<void>;
  /** Starts the node's agent again after `kill`. */
  start(node: string): Promise<void>;
}

type Running =
  | { kind: 'inline'; agent: NodeAgent; stores: StorageLocations }
  | { kind: 'process'; child: ChildProcess };

export async function startNodeAgents(
  sim: Pick<Kubesim, 'nodes'>,
  options: NodeAgentsOptions,
): Promise<NodeAgents> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const running = new Map<string, Running>();
  const roots = new Map(sim.nodes.map((n) => [n.name, n.rootDir]));

  const start = async (node: string): Promise<void> => {
    const hostRoot = roots.get(node);
    if (!hostRoot) throw new Error(`no node ${node}`);
    if (options.mode === 'process') {
      running.set(node, { kind: 'process', child: await spawnAgent(options, node, hostRoot) });
      return;
    }
    const client = createDynamicClient(connect(options.kubeconfig), {
      retry: { baseDelayMs: 5, maxDelayMs: 50 },
    });
    const stores = new StorageLocations({
      client,
      namespace: options.namespace,
      defaultLocation: 'default',
      logger,
    });
    const agent = await startNodeAgent({
      client,
      namespace: options.namespace,
      node,
      hostRoot,
      stores,
      logger,
      progressIntervalMs: options.progressIntervalMs,
    });
    running.set(node, { kind: 'inline', agent, stores });
  };

  const stopOne = async (node: string): Promise<void> => {
    const r = running.get(node);
    running.delete(node);
    if (!r) return;
    if (r.kind === 'inline') {
      await r.agent.stop();
      await r.stores.close();
    } else if (r.child.exitCode === null && r.child.signalCode === null) {
      const exited = once(r.child, 'exit');
      r.child.kill('SIGKILL');
      await exited;
    }
  };

  try {
    await Promise.all(sim.nodes.map((n) => start(n.name)));
  } catch (err) {
    await Promise.all([...running.keys()].map(stopOne));
    throw err;
  }
  return {
    async stop() {
      await Promise.all([...running.keys()].map(stopOne));
    },
    async restart(node) {
      await stopOne(node);
      await start(node);
    },
    kill: stopOne,
    start,
  };
}

/** Starts `lifeboat node-agent` and resolves once it logged that it started. */
async function spawnAgent(options: NodeAgentsOptions, node: string, hostRoot: string): Promise<ChildProcess> {
  const env = { ...process.env };
  for (const name of Object.keys(env))
    if (name.startsWith('NODE_TEST') || name === 'NODE_OPTIONS') delete env[name];
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      '--kubeconfig',
      options.kubeconfig,
      '-n',
      options.namespace,
      'node-agent',
      '--node',
      node,
      '--host-root',
      hostRoot,
    ],
    { cwd: REPO, env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('node agent started')) {
        child.stderr?.off('data', onData);
        child.stderr?.resume();
        resolve();
      }
    };
    child.stderr?.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`node agent ${node} exited (${code}): ${output.slice(-2000)}`)),
    );
  });
  return child;
}

/** Reconciles every BackupRepository every `intervalMs` until stopped (a stand-in for the server's controller). */
export function driveRepositories(ctx: ControllerContext, intervalMs = 50): { stop(): Promise<void> } {
  const reconciler = new BackupRepositoryReconciler(ctx, {
    repositoryOptions: { kdf: TEST_KDF },
    retryNotReadyMs: 100,
  });
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      for await (const page of ctx.client.listPages(BACKUP_REPOSITORIES, { namespace: ctx.namespace }))
        for (const item of page.items)
          await reconciler.reconcile(item.metadata?.name ?? '').catch(() => undefined);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/** What the agents' tests stand on: kubesim, the server's side of it, and one agent per node. */
export interface AgentCluster {
  sim: Kubesim;
  env: ControllerTestEnv;
  agents: NodeAgents;
  stop(): Promise<void>;
}

/**
 * Starts kubesim with `nodes` nodes, the server's namespace with an fs location `default`, a stand-in for the
 * BackupRepository controller, and the node agents; `stop` takes them down in reverse order.
 */
export async function startAgentCluster(
  nodes: number,
  agentOptions: Pick<NodeAgentsOptions, 'mode' | 'progressIntervalMs'> = {},
): Promise<AgentCluster> {
  const sim = await startKubesim({ nodes });
  const env = await controllerTestEnv(sim.kubeconfigPath);
  await env.createFsLocation('default');
  const repos = driveRepositories(env.ctx);
  const agents = await startNodeAgents(sim, {
    kubeconfig: sim.kubeconfigPath,
    namespace: env.namespace,
    ...agentOptions,
  });
  return {
    sim,
    env,
    agents,
    async stop() {
      await agents.stop();
      await repos.stop();
      await env.close();
      await sim.stop();
    },
  };
}
