import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createGunzip } from 'node:zlib';
import type { DownloadTarget } from '../api/index.ts';
import type { Clock } from '../core/clock.ts';
import { LifeboatError } from '../core/errors.ts';
import type { LifeboatClient } from './kube/lifeboat-client.ts';
import { requestName } from './names.ts';

export interface DownloadOptions {
  clock: Clock;
  /** How long to wait for the server to answer the DownloadRequest (default 60 s, Velero's `--timeout`). */
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Asks the server for a URL to one file of a backup or restore: creates a DownloadRequest, waits until the
 * server fills in `status.downloadURL`, and calls `use` with it; the request is deleted afterwards (the
 * server would expire it anyway). Without a server answering, fails with a Timeout that says so.
 */
export async function withDownloadUrl<T>(
  client: LifeboatClient,
  target: DownloadTarget,
  options: DownloadOptions,
  use: (url: string) => Promise<T>,
): Promise<T> {
  const name = requestName(target.name);
  await client.create('DownloadRequest', {
    apiVersion: 'lifeboat.io/v1',
    kind: 'DownloadRequest',
    metadata: { name },
    spec: { target },
  });
  try {
    const timeoutMs = options.timeoutMs ?? 60_000;
    const deadline = options.clock.now().getTime() + timeoutMs;
    for (;;) {
      const request = await client.get('DownloadRequest', name);
      const url = request?.status?.downloadURL;
      if (url) return await use(url);
      const refused = request?.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'False');
      if (request?.status?.phase === 'Processed' && refused)
        throw new LifeboatError(
          refused.reason === 'TargetNotFound' ? 'NotFound' : 'Unavailable',
          `cannot download the ${target.kind} of "${target.name}": ${refused.message ?? refused.reason}`,
        );
      if (options.clock.now().getTime() >= deadline)
        throw new LifeboatError(
          'Timeout',
          `no download URL for ${target.kind} of "${target.name}" after ${Math.round(timeoutMs / 1000)}s: is the lifeboat server running in namespace ${client.namespace}?`,
        );
      await options.clock.sleep(options.intervalMs ?? 250);
    }
  } finally {
    await client.delete('DownloadRequest', name).catch(() => undefined);
  }
}

/** GETs a download URL; a 404 means the file is not in storage. The URL (it may carry a token) is never printed. */
async function get(url: string, what: string): Promise<Readable> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw new LifeboatError('Unavailable', `cannot download ${what}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (response.status === 404) {
    await response.body?.cancel();
    throw new LifeboatError('NotFound', `${what} is not in the backup storage location`);
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new LifeboatError('Unavailable', `cannot download ${what}: HTTP ${response.status}`);
  }
  return Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
}

/** The file behind `url`, gunzipped, written to `out` (left open). */
export async function streamGunzipped(url: string, what: string, out: Writable): Promise<void> {
  await pipeline(await get(url, what), createGunzip(), out, { end: false });
}

/** The file behind `url`, gunzipped, as one buffer (side files: resource lists, results, plans). */
export async function readGunzipped(url: string, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(await get(url, what), createGunzip(), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) chunks.push(chunk);
  });
  return Buffer.concat(chunks);
}

/** The file behind `url` saved as `path`, through a temporary file so a failed download leaves nothing. */
export async function saveToFile(url: string, what: string, path: string): Promise<void> {
  const partial = `${path}.partial`;
  try {
    await pipeline(await get(url, what), createWriteStream(partial, { flags: 'wx' }));
    await rename(partial, path);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
}
