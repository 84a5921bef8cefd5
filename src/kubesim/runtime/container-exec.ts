/**
 * Talking to a running container from outside: `exec` runs a command in the container's sandbox with the
 * container's environment (on a real terminal for `tty`), `attach` joins the container's own output and stdin.
 * Both are what `kubectl exec` and `kubectl attach` reach through the HTTP handlers.
 */
import { containerEnv } from './env.ts';
import { execFailureExitCode, execFailureMessage, type PathView, resolveExecutable } from './executable.ts';
import type { PodTable } from './pod-records.ts';
import { closed, exitCodeOf, pipeAllInto } from './process.ts';
import type { ExecRequest, ExecResult } from './types.ts';

/**
 * Runs a command in a running container (see ContainerRuntime.exec); `baseEnv` is what every exec gets before
 * the container's own environment.
 */
export async function execInContainer(
  pods: PodTable,
  baseEnv: Record<string, string>,
  request: ExecRequest,
): Promise<ExecResult> {
  const { record, container } = pods.running(request.podUid, request.container);
  const sandbox = await pods.sandbox(record, container);
  const env = containerEnv(record.pod, container.spec, {
    base: baseEnv,
    resolved: record.options.resolvedEnv?.[container.name],
    tty: request.tty,
  });
  const stdoutDest = request.stdout;
  const stderrDest = request.tty ? undefined : request.stderr;
  const program = request.command[0] ?? '';
  const resolution = await resolveExecutable(program, env.PATH, sandbox.view, container.spec.workingDir);
  if (resolution !== 'ok') {
    const message = execFailureMessage(program, resolution);
    const target = stderrDest ?? (request.tty ? stdoutDest : undefined);
    target?.write(message);
    await Promise.all([stdoutDest && pipeAllInto([], stdoutDest), stderrDest && pipeAllInto([], stderrDest)]);
    return { exitCode: execFailureExitCode(resolution) };
  }
  if (request.signal?.aborted) {
    stdoutDest?.end();
    stderrDest?.end();
    return { exitCode: 137, signal: 'SIGKILL' };
  }
  const child = await sandbox.spawn({
    argv: request.tty
      ? await withTerminal(request.command, env, sandbox.view, request.terminalSize)
      : request.command,
    env,
    workingDir: container.spec.workingDir,
    stdin: request.stdin !== undefined,
    stdout: stdoutDest !== undefined,
    stderr: request.tty ? stdoutDest !== undefined : stderrDest !== undefined,
  });
  const exited = closed(child);
  const onAbort = (): void => sandbox.kill(child);
  request.signal?.addEventListener('abort', onAbort, { once: true });
  if (request.signal?.aborted) onAbort();
  if (request.stdin && child.stdin) {
    const stdin = child.stdin;
    stdin.on('error', () => {}); // the program may exit without reading its input
    request.stdin.pipe(stdin);
    void exited.then(() => request.stdin?.unpipe(stdin));
  }
  const outputs: Promise<void>[] = [];
  if (stdoutDest) {
    const sources = [child.stdout, request.tty ? child.stderr : null].filter((s) => s !== null);
    outputs.push(pipeAllInto(sources, stdoutDest));
  }
  if (stderrDest && child.stderr) outputs.push(pipeAllInto([child.stderr], stderrDest));
  try {
    const [{ code, signal }] = await Promise.all([exited, ...outputs]);
    return signal ? { exitCode: exitCodeOf(code, signal), signal } : { exitCode: exitCodeOf(code, null) };
  } finally {
    request.signal?.removeEventListener('abort', onAbort);
  }
}

/** Attaches to a running container (see ContainerRuntime.attach). */
export async function attachToContainer(
  pods: PodTable,
  request: Omit<ExecRequest, 'command'>,
): Promise<ExecResult | undefined> {
  const { container } = pods.running(request.podUid, request.container);
  const instance = container.current!;
  return new Promise((resolve) => {
    let finished = false;
    const finish = (result: ExecResult | undefined): void => {
      if (finished) return;
      finished = true;
      unsubscribe();
      request.signal?.removeEventListener('abort', onAbort);
      request.stdin?.off('data', onStdin);
      request.stdout?.end();
      if (request.stderr !== request.stdout) request.stderr?.end();
      resolve(result);
    };
    const onAbort = (): void => finish(undefined);
    const onStdin = (d: Buffer): void => {
      instance.stdin?.write(d);
    };
    const unsubscribe = instance.log.follow(
      (entry) => {
        const dest =
          entry.stream === 'stderr' ? (request.tty ? request.stdout : request.stderr) : request.stdout;
        dest?.write(`${entry.line}\n`);
      },
      () => finish(instance.exitCode === undefined ? undefined : { exitCode: instance.exitCode }),
    );
    request.signal?.addEventListener('abort', onAbort, { once: true });
    if (request.signal?.aborted) onAbort();
    if (request.stdin && instance.stdin) {
      request.stdin.on('data', onStdin);
      request.stdin.once('end', () => {
        if (container.spec.stdinOnce) instance.stdin?.end();
      });
    }
  });
}

/**
 * With `tty`, runs the command on a real pseudo-terminal through util-linux `script` when the sandbox has it
 * (echo, `\r\n`, an interactive shell's prompt, `tty` answering a device), so `kubectl exec -it` behaves; without
 * `script`, stdout and stderr are merged and there is no terminal.
 */
async function withTerminal(
  command: string[],
  env: Record<string, string>,
  view: PathView,
  size: ExecRequest['terminalSize'],
): Promise<string[]> {
  if ((await resolveExecutable('script', env.PATH, view)) !== 'ok') return command;
  env.SHELL = '/bin/sh';
  const resize =
    size && Number.isInteger(size.width) && Number.isInteger(size.height) && size.width > 0 && size.height > 0
      ? `stty cols ${size.width} rows ${size.height} 2>/dev/null; `
      : '';
  const line = `${resize}exec ${command.map(shellQuote).join(' ')}`;
  return ['script', '--quiet', '--flush', '--return', '--command', line, '/dev/null'];
}

/** Quotes one argument for `sh -c`. */
function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}
