/**
 * Child processes for benchmarks: start one, read its first JSON line, sample its peak resident set from
 * /proc (VmHWM, the kernel's own high-water mark, so no short peak is missed between samples), stop it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface Child<T> {
  process: ChildProcess;
  /** The first line the child printed on stdout, parsed as JSON (undefined for children that print none). */
  ready: T;
  /** Kernel-recorded peak RSS in bytes (Linux VmHWM); 0 once the process is gone. */
  peakRss(): number;
  /** CPU seconds (user + system) the process has used so far (Linux /proc); 0 once it is gone. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

export async function startChild<T>(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; waitForJsonLine?: boolean; stderr?: 'inherit' | 'ignore' } = {},
): Promise<Child<T>> {
  const child = spawn(process.execPath, args, {
    env: options.env ?? process.env,
    stdio: ['pipe', 'pipe', options.stderr ?? 'inherit'],
  });
  let ready = undefined as T;
  if (options.waitForJsonLine !== false) {
    const lines = createInterface({ input: child.stdout! });
    ready = await new Promise<T>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code} before it was ready`)));
      lines.once('line', (line) => resolve(JSON.parse(line) as T));
    });
  } else {
    child.stdout?.resume();
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    ready,
    peakRss: () => peakRss(child.pid),
    cpuSeconds: () => cpuSeconds(child.pid),
    async stop() {
      if (child.exitCode !== null) return;
      child.stdin?.end();
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on every Linux port Node runs on). */
const TICKS_PER_SECOND = 100;

function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

function peakRss(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
