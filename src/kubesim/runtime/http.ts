import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { KubeObject } from '../registry/types.ts';
import { handlePodExec } from './http-exec.ts';
import { handlePodLog } from './http-log.ts';
import type { PodStreamContext } from './stream-context.ts';

/**
 * The HTTP face of the container runtime for kubesim's API server: `pods/log`, `pods/exec`, `pods/attach`.
 * The router reads the pod named by the URL (404 when missing) and hands over the request with that pod.
 */
export { handlePodExec } from './http-exec.ts';
export { handlePodLog } from './http-log.ts';
export { DEFAULT_EXEC_TIMEOUT_MS, type PodStreamContext } from './stream-context.ts';

/** The three handlers bound to one runtime, ready to plug into the router. */
export type BoundPodStreamHandlers = {
  /** `GET …/pods/{name}/log` from the server's 'request' event. */
  log(req: IncomingMessage, res: ServerResponse, pod: KubeObject): void;
  /** `GET …/pods/{name}/exec` with `Upgrade: websocket`, from the server's 'upgrade' event. */
  exec(req: IncomingMessage, socket: Duplex, head: Buffer, pod: KubeObject): void;
  /** `GET …/pods/{name}/attach` with `Upgrade: websocket`, from the server's 'upgrade' event. */
  attach(req: IncomingMessage, socket: Duplex, head: Buffer, pod: KubeObject): void;
};

/** Binds the handlers to a runtime and logger once, so the router only passes the request and the pod. */
export function createPodStreamHandlers(options: Omit<PodStreamContext, 'pod'>): BoundPodStreamHandlers {
  return {
    log: (req, res, pod) => handlePodLog(req, res, { ...options, pod }),
    exec: (req, socket, head, pod) => handlePodExec(req, socket, head, { ...options, pod }),
    attach: (req, socket, head, pod) => handlePodExec(req, socket, head, { ...options, pod }),
  };
}
