import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { KubeObject } from '../registry/types.ts';

/**
 * The seam to the container runtime's streaming endpoints (`createPodStreamHandlers` in
 * src/kubesim/runtime/http.ts fits it). The router reads the pod named by the URL (404 when missing) and hands
 * the raw request over with it: `log` is plain HTTP; `exec` and `attach` arrive as WebSocket upgrades and the
 * handler owns the socket from then on. Unset handlers answer 501.
 */
export interface PodStreamHandlers {
  log?(req: IncomingMessage, res: ServerResponse, pod: KubeObject): void | Promise<void>;
  exec?(req: IncomingMessage, socket: Duplex, head: Buffer, pod: KubeObject): void | Promise<void>;
  attach?(req: IncomingMessage, socket: Duplex, head: Buffer, pod: KubeObject): void | Promise<void>;
}
