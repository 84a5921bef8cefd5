import type { IncomingMessage, ServerResponse } from 'node:http';
import { systemClock } from '../../core/clock.ts';
import { badRequest, invalid } from '../apiserver/errors.ts';
import { ApiError } from '../apiserver/types.ts';
import type { KubeObject } from '../registry/types.ts';
import { writeStatusResponse } from './http-status.ts';
import { nodeName, podName, podUid, selectContainer } from './pod-spec.ts';
import { boolParam, intParam, QueryError } from './query.ts';
import type { PodStreamContext } from './stream-context.ts';
import { parseRfc3339Nanos } from './timestamps.ts';
import type { LogEntry } from './types.ts';

/**
 * `GET …/pods/{name}/log` (kube-api-surface.md §c.17): `text/plain` lines with the parameters kubectl and
 * client-node send. With `follow`, the response stays open, one chunk per line, until the container's
 * instance ends, the pod stops or the client leaves.
 */

type LogRequest = {
  container: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  sinceNanos?: bigint;
  limitBytes?: number;
};

const POD_LOG_OPTIONS = { group: '', kind: 'PodLogOptions' };

function mustBePositive(name: string, field: string, value: number | undefined, min: number): void {
  if (value !== undefined && value < min) {
    throw invalid(POD_LOG_OPTIONS, name, [
      {
        field,
        message: `Invalid value: ${value}: must be greater than ${min === 0 ? 'or equal to 0' : '0'}`,
      },
    ]);
  }
}

function parseLogRequest(url: URL, ctx: PodStreamContext): LogRequest {
  const q = url.searchParams;
  const name = podName(ctx.pod);
  try {
    const tailLines = intParam(q, 'tailLines');
    const sinceSeconds = intParam(q, 'sinceSeconds');
    const limitBytes = intParam(q, 'limitBytes');
    const sinceTime = q.get('sinceTime') || undefined;
    mustBePositive(name, 'tailLines', tailLines, 0);
    mustBePositive(name, 'sinceSeconds', sinceSeconds, 1);
    mustBePositive(name, 'limitBytes', limitBytes, 1);
    if (sinceSeconds !== undefined && sinceTime !== undefined) {
      throw badRequest('at most one of `sinceTime` or `sinceSeconds` may be specified');
    }
    let sinceNanos: bigint | undefined;
    if (sinceTime !== undefined) {
      sinceNanos = parseRfc3339Nanos(sinceTime);
      if (sinceNanos === undefined)
        throw badRequest(`invalid value "${sinceTime}" for sinceTime: not RFC 3339`);
    } else if (sinceSeconds !== undefined) {
      const now = BigInt((ctx.clock ?? systemClock).now().getTime());
      sinceNanos = (now - BigInt(sinceSeconds) * 1000n) * 1_000_000n;
    }
    const selected = selectContainer(ctx.pod, q.get('container') ?? undefined);
    if ('error' in selected) throw badRequest(selected.error);
    return {
      container: selected.name,
      follow: boolParam(q, 'follow'),
      previous: boolParam(q, 'previous'),
      timestamps: boolParam(q, 'timestamps'),
      tailLines,
      sinceNanos,
      limitBytes,
    };
  } catch (err) {
    if (err instanceof QueryError) throw badRequest(err.message);
    throw err;
  }
}

type ContainerStatusLike = { name?: string; state?: { waiting?: { reason?: string } } };

/**
 * Why a container the runtime does not know has not started, from the pod's status as the kubelet wrote it:
 * its waiting reason, `ContainerCreating` when it has no status yet, undefined when it is running or has
 * terminated.
 */
function waitingReason(pod: KubeObject, container: string): string | undefined {
  const status = (pod.status ?? {}) as Record<string, unknown>;
  const all = [status.containerStatuses, status.initContainerStatuses, status.ephemeralContainerStatuses]
    .filter(Array.isArray)
    .flat() as ContainerStatusLike[];
  const found = all.find((c) => c?.name === container);
  if (!found?.state) return 'ContainerCreating';
  if (found.state.waiting) return found.state.waiting.reason || 'ContainerCreating';
  return undefined;
}

function select(entries: LogEntry[], request: LogRequest): LogEntry[] {
  let out = entries;
  if (request.sinceNanos !== undefined) {
    const since = request.sinceNanos;
    out = out.filter((e) => (parseRfc3339Nanos(e.time) ?? 0n) >= since);
  }
  if (request.tailLines !== undefined) out = request.tailLines === 0 ? [] : out.slice(-request.tailLines);
  return out;
}

function format(entry: LogEntry, timestamps: boolean): string {
  return timestamps ? `${entry.time} ${entry.line}\n` : `${entry.line}\n`;
}

/** Handles a log request for `ctx.pod`; answers errors as a `Status`. */
export function handlePodLog(req: IncomingMessage, res: ServerResponse, ctx: PodStreamContext): void {
  const url = new URL(req.url ?? '/', 'http://kubesim');
  let request: LogRequest;
  try {
    request = parseLogRequest(url, ctx);
  } catch (err) {
    if (err instanceof ApiError) {
      writeStatusResponse(res, err.status);
      return;
    }
    throw err;
  }
  const name = podName(ctx.pod);
  const uid = podUid(ctx.pod);
  if (!nodeName(ctx.pod)) {
    // The real server answers an unscheduled pod's log with an empty body.
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end();
    return;
  }
  let entries = ctx.runtime.logs(uid, request.container, { previous: request.previous });
  if (entries === undefined) {
    if (request.previous) {
      const message = `previous terminated container "${request.container}" in pod "${name}" not found`;
      writeStatusResponse(res, badRequest(message).status);
      return;
    }
    const waiting = waitingReason(ctx.pod, request.container);
    if (waiting !== undefined) {
      const message = `container "${request.container}" in pod "${name}" is waiting to start: ${waiting}`;
      writeStatusResponse(res, badRequest(message).status);
      return;
    }
    // Started (the pod's status says so) but not by this runtime, e.g. an init container the kubelet only
    // simulated: it has written nothing.
    entries = [];
  }

  let budget = request.limitBytes ?? Number.POSITIVE_INFINITY;
  let unsubscribe: () => void = () => {};
  const send = (text: string): boolean => {
    if (budget <= 0) return false;
    const bytes = Buffer.from(text);
    const part = bytes.length > budget ? bytes.subarray(0, budget) : bytes;
    budget -= part.length;
    res.write(part);
    return budget > 0;
  };
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  let open = true;
  for (const entry of select(entries, request)) {
    if (!send(format(entry, request.timestamps))) {
      open = false;
      break;
    }
  }
  if (!open || !request.follow || request.previous) {
    res.end();
    return;
  }
  // Subscribed in the same tick as the snapshot above, so no line falls between the two.
  res.flushHeaders();
  const finish = (): void => {
    unsubscribe();
    if (!res.writableEnded) res.end();
  };
  unsubscribe = ctx.runtime.followLogs(
    uid,
    request.container,
    (entry) => {
      if (request.sinceNanos !== undefined && (parseRfc3339Nanos(entry.time) ?? 0n) < request.sinceNanos)
        return;
      if (!send(format(entry, request.timestamps))) finish();
    },
    finish,
  );
  // Not req.on('close'): that fires once the request body is read (P5); the response closes when the client goes.
  res.on('close', () => unsubscribe());
}
