import type { IncomingMessage } from 'node:http';
import { type Duplex, PassThrough, type Writable } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { errorMessage } from '../../core/errors.ts';
import { badRequest } from '../apiserver/errors.ts';
import { ApiError, type Status } from '../apiserver/types.ts';
import {
  Channel,
  channelWriter,
  exitCodeStatus,
  frame,
  internalErrorStatus,
  messageBytes,
  negotiateProtocol,
  offeredProtocols,
  type StreamProtocol,
  SUPPORTED_PROTOCOLS,
  speaksJsonStatus,
  successStatus,
  supportsCloseSignal,
} from './exec-protocol.ts';
import { rejectUpgrade } from './http-status.ts';
import { nodeName, podName, podPhase, podUid, selectContainer } from './pod-spec.ts';
import { boolParam, QueryError } from './query.ts';
import { DEFAULT_EXEC_TIMEOUT_MS, type PodStreamContext } from './stream-context.ts';

/**
 * `pods/exec` and `pods/attach` over WebSocket, as kubectl 1.32 and @kubernetes/client-node speak them
 * (kube-api-surface.md §a.3, §c.16). The request is checked before the upgrade, so every refusal is an HTTP
 * answer with a `Status` body that kubectl prints as `Error from server (BadRequest): …`.
 */

type StreamRequest = {
  subresource: 'exec' | 'attach';
  container: string;
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
};

function parseStreamRequest(url: URL, ctx: PodStreamContext): StreamRequest {
  const subresource = url.pathname.endsWith('/attach') ? 'attach' : 'exec';
  const q = url.searchParams;
  const pod = ctx.pod;
  const name = podName(pod);
  let flags: Pick<StreamRequest, 'stdin' | 'stdout' | 'stderr' | 'tty'>;
  try {
    flags = {
      stdin: boolParam(q, 'stdin'),
      stdout: boolParam(q, 'stdout'),
      stderr: boolParam(q, 'stderr'),
      tty: boolParam(q, 'tty'),
    };
  } catch (err) {
    if (err instanceof QueryError) throw badRequest(err.message);
    throw err;
  }
  const command = q.getAll('command');
  if (subresource === 'exec' && command.length === 0) {
    throw badRequest('you must specify at least one command for the container');
  }
  if (!flags.stdin && !flags.stdout && !flags.stderr) {
    throw badRequest('you must specify at least 1 of stdin, stdout, stderr');
  }
  const selected = selectContainer(pod, q.get('container') ?? undefined);
  if ('error' in selected) throw badRequest(selected.error);
  if (!nodeName(pod)) throw badRequest(`pod ${name} does not have a host assigned`);
  const phase = podPhase(pod);
  if (phase === 'Succeeded' || phase === 'Failed') {
    throw badRequest(
      subresource === 'exec'
        ? `cannot exec into a container in a completed pod; current phase is ${phase}`
        : `cannot attach a container in a completed pod; current phase is ${phase}`,
    );
  }
  const running = ctx.runtime.containers?.(podUid(pod));
  const info = running?.find((c) => c.name === selected.name);
  if (ctx.runtime.containers && info?.state !== 'running') {
    throw badRequest(`container not found ("${selected.name}")`);
  }
  return { subresource, container: selected.name, command, ...flags };
}

function statusOf(err: unknown): Status {
  if (err instanceof ApiError) return err.status;
  return { kind: 'Status', apiVersion: 'v1', ...internalErrorStatus(errorMessage(err)) } as Status;
}

/**
 * Handles an upgrade request for `…/pods/{name}/exec` or `…/attach` (told apart by the path). Call it from the
 * HTTP server's 'upgrade' event once the pod has been read.
 */
export function handlePodExec(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  ctx: PodStreamContext,
): void {
  const url = new URL(req.url ?? '/', 'http://kubesim');
  let request: StreamRequest;
  try {
    request = parseStreamRequest(url, ctx);
  } catch (err) {
    rejectUpgrade(socket, statusOf(err));
    return;
  }
  const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
  if (upgrade !== 'websocket') {
    // kubectl falls back to SPDY only after a failed WebSocket handshake (P20): say so loudly.
    ctx.logger.warn(
      { pod: podName(ctx.pod), upgrade: req.headers.upgrade ?? null },
      `pods/${request.subresource}: refused a non-WebSocket stream (SPDY is not served); a client that fell back to it had its WebSocket attempt refused`,
    );
    rejectUpgrade(
      socket,
      badRequest(
        `kubesim serves pods/${request.subresource} over WebSocket only (${SUPPORTED_PROTOCOLS.join(', ')}), not ${req.headers.upgrade ?? 'plain HTTP'}`,
      ).status,
    );
    return;
  }
  const offered = offeredProtocols(req.headers['sec-websocket-protocol']);
  const protocol = negotiateProtocol(offered);
  if (!protocol) {
    rejectUpgrade(
      socket,
      badRequest(
        `none of the offered stream protocols [${offered.join(' ')}] is supported; use one of [${SUPPORTED_PROTOCOLS.join(' ')}]`,
      ).status,
    );
    return;
  }
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    handleProtocols: () => protocol,
  });
  wss.handleUpgrade(req, socket, head, (ws) => {
    runSession(ws, protocol, request, ctx).catch((err) => {
      ctx.logger.error({ err }, `pods/${request.subresource} session failed`);
      ws.terminate();
    });
  });
}

/** How long a TTY session waits for the client's first terminal size before starting the command. */
const RESIZE_WAIT_MS = 250;

/** Reads a resize message, `{"Width":80,"Height":24}`. */
function parseResize(payload: Buffer): { width: number; height: number } | undefined {
  try {
    const size = JSON.parse(payload.toString()) as { Width?: unknown; Height?: unknown };
    if (typeof size.Width === 'number' && typeof size.Height === 'number') {
      return { width: size.Width, height: size.Height };
    }
  } catch {
    // not JSON: ignored like any malformed resize
  }
  return undefined;
}

async function runSession(
  ws: WebSocket,
  protocol: StreamProtocol,
  request: StreamRequest,
  ctx: PodStreamContext,
): Promise<void> {
  const abort = new AbortController();
  let finished = false;
  let timedOut = false;
  const stdin = request.stdin ? new PassThrough() : undefined;
  const stdout = request.stdout ? channelWriter(ws, Channel.stdout) : undefined;
  const stderr = request.stderr && !request.tty ? channelWriter(ws, Channel.stderr) : undefined;
  let onResize: ((size: { width: number; height: number }) => void) | undefined;
  ws.on('message', (data) => {
    const bytes = messageBytes(data as Buffer);
    if (bytes.length === 0) return;
    if (bytes[0] === Channel.stdin) {
      if (stdin && !stdin.writableEnded) stdin.write(bytes.subarray(1));
    } else if (bytes[0] === Channel.close && supportsCloseSignal(protocol) && bytes[1] === Channel.stdin) {
      stdin?.end();
    } else if (bytes[0] === Channel.resize && onResize) {
      const size = parseResize(bytes.subarray(1));
      if (size) onResize(size);
    }
  });
  ws.on('close', () => {
    // The client going away before the command ended kills the command, as the kubelet does.
    if (!finished) abort.abort();
    stdin?.end();
  });
  ws.on('error', (err) => ctx.logger.debug({ err }, `pods/${request.subresource} websocket error`));

  const timeoutMs = ctx.execTimeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
  const timer =
    request.subresource === 'exec' && timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          abort.abort();
        }, timeoutMs)
      : undefined;
  const log = { pod: podName(ctx.pod), container: request.container, protocol };
  ctx.logger.debug({ ...log, program: request.command[0] }, `pods/${request.subresource} started`);
  // A terminal client sends its size first thing; the command starts with it (later resizes are ignored).
  const terminalSize = request.tty
    ? await new Promise<{ width: number; height: number } | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), RESIZE_WAIT_MS);
        onResize = (size) => {
          clearTimeout(timer);
          onResize = undefined;
          resolve(size);
        };
      })
    : undefined;
  let status: Omit<Status, 'kind' | 'apiVersion'>;
  try {
    status = await run(request, ctx, { stdin, stdout, stderr, signal: abort.signal, terminalSize });
    if (timedOut) {
      status = internalErrorStatus(
        `command [${request.command.join(' ')}] did not finish within ${timeoutMs / 1000}s and was killed`,
      );
    }
  } catch (err) {
    status = internalErrorStatus(errorMessage(err));
    stdout?.end();
    stderr?.end();
  } finally {
    finished = true;
    clearTimeout(timer);
  }
  ctx.logger.debug(
    { ...log, status: status.status, reason: status.reason },
    `pods/${request.subresource} ended`,
  );
  if (ws.readyState !== ws.OPEN) return;
  if (speaksJsonStatus(protocol)) {
    ws.send(frame(Channel.error, JSON.stringify(status)));
  } else if (status.status === 'Failure') {
    ws.send(frame(Channel.error, status.message ?? 'error'));
  }
  ws.close(1000);
}

async function run(
  request: StreamRequest,
  ctx: PodStreamContext,
  streams: {
    stdin?: PassThrough;
    stdout?: Writable;
    stderr?: Writable;
    signal: AbortSignal;
    terminalSize?: { width: number; height: number };
  },
): Promise<Omit<Status, 'kind' | 'apiVersion'>> {
  const target = { podUid: podUid(ctx.pod), container: request.container, tty: request.tty, ...streams };
  if (request.subresource === 'exec') {
    const result = await ctx.runtime.exec({ ...target, command: request.command });
    return result.exitCode === 0 ? successStatus() : exitCodeStatus(request.command, result.exitCode);
  }
  if (!ctx.runtime.attach) throw new Error('this container runtime does not support attach');
  const result = await ctx.runtime.attach(target);
  return result === undefined || result.exitCode === 0
    ? successStatus()
    : exitCodeStatus([request.container], result.exitCode);
}
