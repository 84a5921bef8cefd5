import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { systemClock } from '../../../core/clock.ts';
import { UsageError } from '../../../core/errors.ts';
import { applyObject, connect, waitUntil } from '../../../kube/client.ts';
import { sampleApp, sampleCrd, sampleCustomResources } from './sample-app.ts';

const MARKER = '.lifeboat-dev';

export type DevOptions = { port: string; nodes: string; dataDir: string; sampleApp: boolean };

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

export async function runDev(options: DevOptions): Promise<void> {
  const port = wholeNumber('--port', options.port, 0, 65535);
  const nodes = wholeNumber('--nodes', options.nodes, 1, 100);
  const dataDir = resolve(options.dataDir);
  prepareDataDir(dataDir);

  // Loaded on demand: kubesim is development tooling, not part of the commands operators run.
  const { startKubesim } = await import('../../../kubesim/index.ts');
  const sim = await startKubesim({ port, nodes, dataDir });
  const stopped = new Promise<void>((done) => {
    const stop = (): void => {
      process.stderr.write('\nstopping kubesim…\n');
      sim.stop().then(done, done);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

  if (options.sampleApp) await deploySampleApp(sim.kubeconfigPath);

  const kubectl = `kubectl --kubeconfig ${sim.kubeconfigPath}`;
  process.stdout.write(
    [
      `kubesim is running at ${sim.url} with ${nodes} simulated node(s).`,
      `kubeconfig: ${sim.kubeconfigPath}`,
      '',
      'Try:',
      `  ${kubectl} get pods -A`,
      `  ${kubectl} get deploy,sts,svc,cm,featureflags -n shop`,
      `  export KUBECONFIG=${sim.kubeconfigPath}`,
      '',
      'Ctrl-C stops it.',
      '',
    ].join('\n'),
  );
  await stopped;
}

async function deploySampleApp(kubeconfigPath: string): Promise<void> {
  const conn = connect(kubeconfigPath);
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
