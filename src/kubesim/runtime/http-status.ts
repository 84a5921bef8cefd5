import { type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Status } from '../apiserver/types.ts';

/**
 * Writes a Kubernetes `Status` as an HTTP error answer, either on a response or, for a refused upgrade, straight
 * on the socket (there is no ServerResponse for an 'upgrade' request).
 */

export function writeStatusResponse(res: ServerResponse, status: Status): void {
  const body = JSON.stringify(status);
  res.writeHead(status.code ?? 500, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

export function rejectUpgrade(socket: Duplex, status: Status): void {
  const code = status.code ?? 500;
  const body = JSON.stringify(status);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(
    `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? 'Error'}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
