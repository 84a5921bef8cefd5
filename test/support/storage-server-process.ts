import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

/** A storage emulator running as a child process of the test, listening on 127.0.0.1. */
export interface ServerProcess {
  readonly port: number;
  /** The last few KiB the process printed (for failure messages). */
  output(): string;
  /** Stops the process (SIGTERM, then SIGKILL after a grace period) and waits for it to exit. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Node.js flags for the child, placed before the script. */
  nodeFlags?: string[];
  script: string;
  args: string[];
  cwd: string;
  /** Matches the line announcing the listening port; group 1 is the port. */
  ready: RegExp;
  timeoutMs?: number;
}

const KEEP_OUTPUT = 64 * 1024;

/**
 * Starts a Node.js script as a child process and resolves once its output announces the port it listens on.
 * The child gets the environment without test-runner variables. Callers stop it in an `after` hook.
 */
export async function startServerProcess(options: StartOptions): Promise<ServerProcess> {
  const env = { ...process.env };
  for (const name of Object.keys(env))
    if (name.startsWith('NODE_TEST') || name === 'NODE_OPTIONS') delete env[name];
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), options.script, ...options.args], {
    cwd: options.cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const timeoutMs = options.timeoutMs ?? 30_000;
  const port = await new Promise<number>((resolve, reject) => {
    let settled = false;
    const settle = (err: Error | undefined, value?: number): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        child.kill('SIGKILL');
        reject(err);
      } else resolve(value as number);
    };
    const timer = setTimeout(
      () => settle(new Error(`${options.script} did not report a port within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    // Reading keeps the pipes drained for the whole life of the child; only a tail is kept.
    const onData = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-KEEP_OUTPUT);
      const match = options.ready.exec(output);
      if (match) settle(undefined, Number(match[1]));
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) =>
      settle(new Error(`${options.script} exited (${code}) before it was ready:\n${output}`)),
    );
    child.once('error', (err) => settle(err));
  });
  return {
    port,
    output: () => output,
    stop: () => stopChild(child),
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}
