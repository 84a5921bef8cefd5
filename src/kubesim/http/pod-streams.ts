import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { ObjectService } from '../apiserver/types.ts';

/**
 * The seam to the container runtime's streaming endpoints. The router resolves the pod's path and hands the
 * raw request over: `log` is plain HTTP; `exec` and `attach` arrive as WebSocket upgrades (the handler
 * owns the socket from then on). `startKubesim` fills these in; unset ones answer 501.
 */
export type PodStreamContext = {
  api: ObjectService;
  namespace: string;
  /** The pod's name. */
  name: string;
  query: URLSearchParams;
  logger?: Logger;
};

export interface PodStreamHandlers {
  log?(req: IncomingMessage, res: ServerResponse, ctx: PodStreamContext): void | Promise<void>;
  exec?(req: IncomingMessage, socket: Duplex, head: Buffer, ctx: PodStreamContext): void | Promise<void>;
  attach?(req: IncomingMessage, socket: Duplex, head: Buffer, ctx: PodStreamContext): void | Promise<void>;
}
