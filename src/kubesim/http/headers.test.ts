import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { test } from 'node:test';
import { requestHeader } from './headers.ts';

/** Sends one request with `headers` (name/value pairs) and returns what the server's `pick` saw. */
async function seenBy<T>(headers: [string, string][], pick: (req: IncomingMessage) => T): Promise<T> {
  let seen: T | undefined;
  const server = createServer((req, res) => {
    seen = pick(req);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    // A raw request, so that the header names reach the server spelled and repeated exactly as written here.
    const head = headers.map(([name, value]) => `${name}: ${value}\r\n`).join('');
    await new Promise<void>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.end(`GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n${head}\r\n`);
      });
      socket.resume();
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return seen as T;
}

test('reads a header whatever its case, as req.headers would', async () => {
  const seen = await seenBy(
    [
      ['CONTENT-Type', 'application/json'],
      ['user-agent', 'kubectl/v1.32.4 (linux/amd64)'],
    ],
    (req) => ({
      contentType: requestHeader(req, 'content-type'),
      userAgent: requestHeader(req, 'user-agent'),
      missing: requestHeader(req, 'x-missing'),
      viaNode: req.headers['content-type'],
    }),
  );
  assert.deepEqual(seen, {
    contentType: 'application/json',
    userAgent: 'kubectl/v1.32.4 (linux/amd64)',
    missing: undefined,
    viaNode: 'application/json',
  });
});

test('joins repeated Accept headers and keeps the first of other repeated headers, like Node', async () => {
  const seen = await seenBy(
    [
      ['Accept', 'application/json'],
      ['Content-Type', 'application/yaml'],
      ['accept', 'application/yaml'],
      ['content-type', 'application/json'],
    ],
    (req) => ({
      accept: requestHeader(req, 'accept'),
      contentType: requestHeader(req, 'content-type'),
      nodeAccept: req.headers.accept,
      nodeContentType: req.headers['content-type'],
    }),
  );
  assert.equal(seen.accept, 'application/json, application/yaml');
  assert.equal(seen.accept, seen.nodeAccept);
  assert.equal(seen.contentType, 'application/yaml');
  assert.equal(seen.contentType, seen.nodeContentType);
});
