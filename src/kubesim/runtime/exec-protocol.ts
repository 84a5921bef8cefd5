import { Writable } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Status } from '../apiserver/types.ts';

/**
 * The Kubernetes remote-command stream protocol over WebSocket (`*.channel.k8s.io`): every message is a binary
 * frame whose first byte is the channel (0 stdin, 1 stdout, 2 stderr, 3 error/status, 4 resize); v5 adds the
 * client message `[255, channel]` that closes one stream (stdin EOF). v4 and v5 send a JSON `Status` on
 * channel 3; the older versions send the error's text only when the command failed.
 */

export const Channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/** Supported subprotocols, newest first. `channel.k8s.io` is v1. The base64 variants are not served. */
export const SUPPORTED_PROTOCOLS = [
  'v5.channel.k8s.io',
  'v4.channel.k8s.io',
  'v3.channel.k8s.io',
  'v2.channel.k8s.io',
  'channel.k8s.io',
] as const;

export type StreamProtocol = (typeof SUPPORTED_PROTOCOLS)[number];

/** The offered subprotocols of a `Sec-WebSocket-Protocol` header, in the client's order. */
export function offeredProtocols(header: string | string[] | undefined): string[] {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  return text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

/**
 * The protocol to speak: the first one the client offers that is served (the API server honours the client's
 * order). A client that offers none gets v1, like the real server; one that offers only unknown protocols, none.
 */
export function negotiateProtocol(offered: string[]): StreamProtocol | undefined {
  if (offered.length === 0) return 'channel.k8s.io';
  return offered.find((p): p is StreamProtocol => (SUPPORTED_PROTOCOLS as readonly string[]).includes(p));
}

export function speaksJsonStatus(protocol: StreamProtocol): boolean {
  return protocol === 'v5.channel.k8s.io' || protocol === 'v4.channel.k8s.io';
}

export function supportsCloseSignal(protocol: StreamProtocol): boolean {
  return protocol === 'v5.channel.k8s.io';
}

/** The status a successful command ends with. */
export function successStatus(): Pick<Status, 'metadata' | 'status'> {
  return { metadata: {}, status: 'Success' };
}

/** The status of a command that exited non-zero: kubectl takes the ExitCode cause as its own exit status. */
export function exitCodeStatus(command: string[], exitCode: number): Omit<Status, 'kind' | 'apiVersion'> {
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

/** The status of a stream that failed for another reason than the command's exit code. */
export function internalErrorStatus(message: string): Omit<Status, 'kind' | 'apiVersion'> {
  return {
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: ${message}`,
    reason: 'InternalError',
    details: { causes: [{ message }] },
    code: 500,
  };
}

/** Prefixes a payload with its channel byte. */
export function frame(channel: number, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = channel;
  body.copy(out, 1);
  return out;
}

/** Reads a received WebSocket message as bytes, whatever shape `ws` delivered it in. */
export function messageBytes(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/**
 * A Writable that sends each chunk on one channel of the socket. A write completes when `ws` has handed the
 * frame to the socket, so a slow client slows the command down instead of filling memory. Once the socket is
 * gone, writes are dropped silently: the session notices the close on its own.
 */
export function channelWriter(ws: WebSocket, channel: number): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (ws.readyState !== ws.OPEN) {
        callback();
        return;
      }
      ws.send(frame(channel, chunk), { binary: true }, () => callback());
    },
  });
}
