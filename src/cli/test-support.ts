import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { ResourceKind } from '../api/index.ts';
import { systemClock } from '../core/clock.ts';
import { connect, createDynamicClient, type DynamicClient, lifeboatResource } from '../kube/index.ts';
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
 * A kubesim (bare API server, started by the test) with Lifeboat installed by `lifeboat install` into an fs location in a temp
 * directory; `run` calls the CLI against it. `stop` ends kubesim and removes the directory.
 */
/** The part of a started kubesim the helpers use (tests start it: only tests may import kubesim). */
export type SimHandle = { kubeconfigPath: string; stop(): Promise<void> };

export type CliEnv = {
  kubesim: SimHandle;
  root: string;
  client: DynamicClient;
  run(...args: string[]): Promise<CliResult>;
  /** Sets `status` of a Lifeboat object, as the server would. */
  setStatus(kind: ResourceKind, name: string, status: Record<string, unknown>): Promise<void>;
  stop(): Promise<void>;
};

export async function startCliEnv(kubesim: SimHandle): Promise<CliEnv> {
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

/**
 * Plays the server's part for DownloadRequests in tests: serves `files` (by target kind) from a real HTTP
 * server on 127.0.0.1 and fills in `status.downloadURL` of each new request. `stop` ends both.
 */
export async function serveDownloads(
  env: CliEnv,
  files: Partial<Record<string, Buffer>>,
): Promise<{ stop(): Promise<void>; served: string[] }> {
  const { createServer } = await import('node:http');
  const served: string[] = [];
  const server = createServer((req, res) => {
    const kind = decodeURIComponent((req.url ?? '/').slice(1));
    const body = files[kind];
    served.push(kind);
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const resource = lifeboatResource('DownloadRequest');
  let running = true;
  const loop = (async () => {
    while (running) {
      for await (const page of env.client.listPages(resource, { namespace: 'lifeboat' }))
        for (const item of page.items) {
          const request = item as {
            metadata: { name: string };
            spec: { target: { kind: string } };
            status?: unknown;
          };
          if (request.status) continue;
          await env.setStatus('DownloadRequest', request.metadata.name, {
            phase: 'Processed',
            downloadURL: `http://127.0.0.1:${port}/${request.spec.target.kind}`,
          });
        }
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  return {
    served,
    async stop() {
      running = false;
      await loop;
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
