import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs the machine's real kubectl 1.32 against a kubesim. The gcloud dispatcher at /usr/bin/kubectl picks a
 * binary from the server's reported version; calling the 1.32 binary directly keeps tests deterministic.
 * Each Kubectl has its own discovery cache (KUBECACHEDIR), so a restarted cluster never meets a stale cache.
 */
const PINNED = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';

export type KubectlResult = { code: number; stdout: string; stderr: string };

export class Kubectl {
  readonly binary = existsSync(PINNED) ? PINNED : 'kubectl';
  readonly cacheDir = mkdtempSync(join(tmpdir(), 'kubectl-cache-'));
  readonly kubeconfig: string;

  constructor(kubeconfig: string) {
    this.kubeconfig = kubeconfig;
  }

  run(args: string[], options: { stdin?: string; timeoutMs?: number } = {}): Promise<KubectlResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.binary, ['--kubeconfig', this.kubeconfig, ...args], {
        env: { ...process.env, KUBECACHEDIR: this.cacheDir, KUBECONFIG: this.kubeconfig },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => {
        stdout += d;
      });
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, stdout, stderr });
      });
      child.stdin.end(options.stdin ?? '');
    });
  }

  /** Runs and fails with kubectl's own output when the exit code is not 0. */
  async ok(args: string[], options: { stdin?: string; timeoutMs?: number } = {}): Promise<string> {
    const r = await this.run(args, options);
    if (r.code !== 0) {
      throw new Error(`kubectl ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    }
    return r.stdout;
  }
}
