import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { ResourceKind } from '../api/index.ts';
import { lifeboatResource } from '../controllers/resources.ts';
import { systemClock } from '../core/clock.ts';
import { connect, createDynamicClient, type DynamicClient } from '../kube/index.ts';
import { type Kubesim, startKubesim } from '../kubesim/index.ts';
import { runCli } from './program.ts';
import type { CliRuntime } from './runtime.ts';

/** What one in-process CLI run printed and returned. */
export type CliResult = { code: number; stdout: string; stderr: string };

/** Runs the CLI in this process with captured output; `stdin` feeds prompts. */
export async function runCaptured(
  args: string[],
  options: { env?: Record<string, string>; stdin?: string; tty?: boolean } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const out = Object.assign(new PassThrough(), { isTTY: options.tty ?? false, columns: 120 });
  const err = Object.assign(new PassThrough(), { isTTY: options.tty ?? false, columns: 120 });
  out.on('data', (c) => {
    stdout += c;
  });
  err.on('data', (c) => {
    stderr += c;
  });
  const stdin = new PassThrough();
  stdin.end(options.stdin ?? '');
  const runtime: CliRuntime = {
    stdout: out,
    stderr: err,
    stdin,
    env: options.env ?? {},
    clock: systemClock,
    home: tmpdir(),
  };
  const code = await runCli(args, runtime);
  return { code, stdout, stderr };
}

/**
 * A kubesim (bare API server) with Lifeboat installed by `lifeboat install` into an fs location in a temp
 * directory; `run` calls the CLI against it. `stop` ends kubesim and removes the directory.
 */
export type CliEnv = {
  kubesim: Kubesim;
  root: string;
  client: DynamicClient;
  run(...args: string[]): Promise<CliResult>;
  /** Sets `status` of a Lifeboat object, as the server would. */
  setStatus(kind: ResourceKind, name: string, status: Record<string, unknown>): Promise<void>;
  stop(): Promise<void>;
};

export async function startCliEnv(): Promise<CliEnv> {
  const kubesim = await startKubesim({ cluster: false });
  const root = mkdtempSync(join(tmpdir(), 'lifeboat-cli-'));
  const client = createDynamicClient(connect(kubesim.kubeconfigPath));
  const run = (...args: string[]) => runCaptured(['--kubeconfig', kubesim.kubeconfigPath, ...args]);
  const installed = await run(
    'install',
    '--provider',
    'fs',
    '--bucket',
    'backups',
    '--config',
    `root=${root}`,
  );
  if (installed.code !== 0) throw new Error(`install failed: ${installed.stderr}`);
  return {
    kubesim,
    root,
    client,
    run,
    async setStatus(kind, name, status) {
      await client.patch(
        lifeboatResource(kind),
        'lifeboat',
        name,
        'merge',
        { status },
        { subresource: 'status' },
      );
    },
    async stop() {
      await kubesim.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
