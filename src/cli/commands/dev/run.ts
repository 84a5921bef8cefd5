import { createWriteStream, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { pino } from 'pino';
import { type NodeAgent, startNodeAgent } from '../../../agent/index.ts';
import { StorageLocations } from '../../../controllers/storage-locations.ts';
import { systemClock } from '../../../core/clock.ts';
import { errorMessage, UsageError } from '../../../core/errors.ts';
import { applyInstall, parseInstallValues, renderInstall } from '../../../install/index.ts';
import {
  applyObject,
  connect,
  createDynamicClient,
  discoverResources,
  type KubeConnection,
  waitUntil,
} from '../../../kube/index.ts';
import { parseServerConfig } from '../../../server/config.ts';
import { startServer } from '../../../server/index.ts';
import { type DemoReport, runDemo } from './demo.ts';
import { formatReport } from './report.ts';
import { SAMPLE_NAMESPACES, sampleApp, sampleCrd, sampleCustomResources } from './sample-app.ts';

const MARKER = '.lifeboat-dev';
const SERVER_NAMESPACE = 'lifeboat';

export type DevOptions = { port: string; nodes: string; dataDir: string; sampleApp: boolean; demo: boolean };

function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, not "${text}"`);
  }
  return n;
}

/** The data directory is ours to wipe only if an earlier `dev` made it: never delete a user's directory. */
function prepareDataDir(dir: string): void {
  if (existsSync(dir)) {
    if (!existsSync(resolve(dir, MARKER))) {
      throw new UsageError(
        `--data-dir ${dir} exists and was not made by lifeboat dev; choose an empty or new directory`,
      );
    }
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(resolve(dir, MARKER), 'made by lifeboat dev; deleted on its next start\n');
}

const say = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

/** The running embedded environment. */
export interface DevEnvironment {
  kubeconfigPath: string;
  apiUrl: string;
  conn: KubeConnection;
  serverUrl: string;
  storageRoot: string;
  logFile: string;
  /** Stops the server, then kubesim; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * kubesim (simulated cluster) in `dataDir`, the sample application unless told otherwise, Lifeboat installed
 * with an `fs` location under `<dataDir>/storage`, and the server running in this process with its JSON log
 * in `<dataDir>/server.log`. On failure, whatever started is stopped again.
 */
export async function startDevEnvironment(options: {
  port: number;
  nodes: number;
  dataDir: string;
  sampleApp: boolean;
}): Promise<DevEnvironment> {
  // Loaded on demand: kubesim is development tooling, not part of the commands operators run.
  const { startKubesim } = await import('../../../kubesim/index.ts');
  const sim = await startKubesim({ port: options.port, nodes: options.nodes, dataDir: options.dataDir });
  const logFile = resolve(options.dataDir, 'server.log');
  const log = createWriteStream(logFile);
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  const agents: NodeAgent[] = [];
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await Promise.all(agents.map((a) => a.stop().catch(() => undefined)));
      await server?.stop().catch(() => undefined);
      await sim.stop().catch(() => undefined);
      await new Promise((done) => log.end(done));
    })();
    return stopping;
  };
  try {
    const conn = connect(sim.kubeconfigPath);
    if (options.sampleApp) await deploySampleApp(conn, sim.kubeconfigPath);
    const storageRoot = resolve(options.dataDir, 'storage');
    mkdirSync(storageRoot, { recursive: true });
    await applyInstall(
      conn,
      renderInstall(
        parseInstallValues({
          namespace: SERVER_NAMESPACE,
          backupLocation: { provider: 'fs', bucket: 'backups', config: { root: storageRoot } },
        }),
      ),
      { logger: pino({ level: 'silent' }), clock: systemClock },
    );
    server = await startServer(
      parseServerConfig({
        namespace: SERVER_NAMESPACE,
        kubeconfig: sim.kubeconfigPath,
        metricsAddress: '127.0.0.1:0',
        leaderElection: false,
        progressInterval: '250ms',
        identity: `lifeboat-dev_${process.pid}`,
      }),
      { logger: pino({ level: 'info', base: { service: 'lifeboat-server' } }, log) },
    );
    // One node agent per simulated node, reading that node's kubelet directory, as the DaemonSet would.
    const agentLogger = pino({ level: 'info', base: { service: 'lifeboat-node-agent' } }, log);
    const agentClient = createDynamicClient(conn);
    const stores = new StorageLocations({
      client: agentClient,
      namespace: SERVER_NAMESPACE,
      defaultLocation: 'default',
      logger: agentLogger,
    });
    for (const node of sim.nodes)
      agents.push(
        await startNodeAgent({
          client: agentClient,
          namespace: SERVER_NAMESPACE,
          node: node.name,
          hostRoot: node.rootDir,
          stores,
          logger: agentLogger,
        }),
      );
    return {
      kubeconfigPath: sim.kubeconfigPath,
      apiUrl: sim.url,
      conn,
      serverUrl: server.url,
      storageRoot,
      logFile,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Backs up, deletes, restores and compares the sample application on a running environment. */
export async function demoOn(env: DevEnvironment, onStep?: (step: string) => void): Promise<DemoReport> {
  return runDemo({
    client: createDynamicClient(env.conn),
    catalog: await discoverResources(env.conn),
    serverNamespace: SERVER_NAMESPACE,
    namespaces: SAMPLE_NAMESPACES,
    clusterObjects: [{ resource: 'customresourcedefinitions', name: sampleCrd.metadata.name as string }],
    clock: systemClock,
    onStep,
  });
}

/**
 * `lifeboat dev`: the environment of `startDevEnvironment`; then, unless `--no-demo`, the demo (back up,
 * delete, restore, restore a copy, compare) and its report; then it stays up until Ctrl-C, which stops the
 * server and kubesim. A demo that finds differences sets exit code 1 (after Ctrl-C).
 */
export async function runDev(options: DevOptions): Promise<void> {
  const port = wholeNumber('--port', options.port, 0, 65535);
  const nodes = wholeNumber('--nodes', options.nodes, 1, 100);
  const dataDir = resolve(options.dataDir);
  prepareDataDir(dataDir);
  const started = Date.now();
  let env: DevEnvironment | undefined;
  const interrupted = new Promise<void>((done) => {
    const stop = (): void => {
      process.stderr.write('\nstopping the lifeboat server and kubesim…\n');
      (env?.stop() ?? Promise.resolve()).then(done, done);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  env = await startDevEnvironment({ port, nodes, dataDir, sampleApp: options.sampleApp });
  try {
    say(
      `kubesim, the sample application, Lifeboat and its server are up (${seconds(Date.now() - started)}).`,
    );
    let backupName: string | undefined;
    if (options.demo && options.sampleApp) {
      say('Demo: back up the sample application, delete it, restore it, restore a copy, compare.');
      const report = await demoOn(env, (step) => say(`  … ${step}`));
      say('');
      process.stdout.write(formatReport(report));
      if (!report.ok) process.exitCode = 1;
      backupName = report.backupName;
    }
    say('');
    process.stdout.write(nextSteps(env, backupName));
  } catch (err) {
    process.stderr.write(`lifeboat dev: ${errorMessage(err)}\n`);
    await env.stop();
    throw err;
  }
  await interrupted;
}

function nextSteps(env: DevEnvironment, backupName = '<name>'): string {
  const { kubeconfigPath: kubeconfig, apiUrl, serverUrl, logFile, storageRoot } = env;
  // Short paths when under the working directory (the usual `npm start`), absolute ones otherwise.
  const here = (path: string): string => {
    const rel = relative(process.cwd(), path);
    return rel.startsWith('..') || isAbsolute(rel) ? path : rel || '.';
  };
  const lifeboat = `npx tsx src/cli/main.ts --kubeconfig ${here(kubeconfig)}`;
  const kubectl = `kubectl --kubeconfig ${here(kubeconfig)}`;
  return [
    `kubesim:          ${apiUrl}  (kubeconfig ${here(kubeconfig)})`,
    `lifeboat server:  ${serverUrl}/metrics  (log ${here(logFile)})`,
    `storage (fs):     ${here(storageRoot)}/backups`,
    '',
    'Try, from this directory:',
    `  ${lifeboat} backup get`,
    `  ${lifeboat} backup describe ${backupName} --details`,
    `  ${lifeboat} backup logs ${backupName}`,
    `  ${lifeboat} backup create shop-only --include-namespaces shop --wait`,
    `  ${lifeboat} restore create --from-backup shop-only --namespace-mappings shop:shop-2 --dry-run`,
    `  ${lifeboat} restore get`,
    `  ${kubectl} get deploy,sts,svc,cm,secret,featureflags -n shop`,
    `  ${kubectl} get ns`,
    '',
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

async function deploySampleApp(conn: KubeConnection, kubeconfigPath: string): Promise<void> {
  await applyObject(conn, sampleCrd);
  await waitUntil(
    'the FeatureFlag CRD to be Established',
    async () => {
      const crd = (await conn.objects.read({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'featureflags.shop.example.com' },
      })) as { status?: { conditions?: { type: string; status: string }[] } };
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')
        ? true
        : undefined;
    },
    { timeoutMs: 10_000, clock: systemClock },
  );
  for (const object of sampleApp()) await applyObject(conn, object);
  // The object client caches discovery per group version; a fresh connection sees the new CRD's group.
  const fresh = connect(kubeconfigPath);
  for (const object of sampleCustomResources()) await applyObject(fresh, object);
}
