import { PassThrough, Readable } from 'node:stream';
import { LifeboatError } from '../core/errors.ts';

/** What `ObjectStore.put` accepts as a body. */
export type Body = Buffer | Uint8Array | string | Readable;

/** The body as bytes when it is already in memory, or `undefined` for a stream. */
export function bodyBytes(body: Body): Buffer | undefined {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return undefined;
}

/** The body as a stream (in-memory bodies become a one-chunk stream). */
export function bodyStream(body: Body): Readable {
  const bytes = bodyBytes(body);
  return bytes === undefined ? (body as Readable) : Readable.from([bytes]);
}

/**
 * Reads a stream to its end into one Buffer. Refuses (with `Invalid`) to hold more than `limit` bytes, so a
 * "small object" read cannot exhaust memory when the object is not small after all.
 */
export async function readAll(
  stream: AsyncIterable<unknown>,
  limit = Number.POSITIVE_INFINITY,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buf =
      typeof chunk === 'string'
        ? Buffer.from(chunk)
        : Buffer.isBuffer(chunk)
          ? chunk
          : Buffer.from(
              (chunk as Uint8Array).buffer,
              (chunk as Uint8Array).byteOffset,
              (chunk as Uint8Array).byteLength,
            );
    total += buf.length;
    if (total > limit) {
      if (stream instanceof Readable) stream.destroy();
      throw new LifeboatError(
        'Invalid',
        `object is larger than the ${limit}-byte limit for an in-memory read`,
      );
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, total);
}

/** Throws `Invalid` unless `offset`/`length` describe a byte range (non-negative safe integers). */
export function validateRange(offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0)
    throw new LifeboatError('Invalid', `range offset must be a non-negative integer, got ${offset}`, {
      field: 'offset',
    });
  if (!Number.isSafeInteger(length) || length < 0)
    throw new LifeboatError('Invalid', `range length must be a non-negative integer, got ${length}`, {
      field: 'length',
    });
}

/**
 * A stream with `source`'s data whose errors are translated by `map` (so a consumer of a download sees a
 * LifeboatError when the connection drops mid-body). Destroying the returned stream destroys `source`, which
 * releases its connection.
 */
export function mapStreamErrors(source: Readable, map: (err: unknown) => Error): Readable {
  const out = new PassThrough();
  source.on('error', (err) => out.destroy(map(err)));
  out.on('close', () => {
    if (!source.destroyed) source.destroy();
  });
  source.pipe(out);
  return out;
}
