import { readSync } from 'node:fs';
import type { FastCdc } from './fastcdc.ts';

/**
 * Streams a file descriptor through the chunker with a fixed buffer (never more than `bufferSize` bytes in
 * memory): refills so at least `max` bytes follow the current position, then yields chunk views. A yielded
 * view is valid only until the next iteration (the buffer is reused), so consumers hash or copy it at once.
 */
export function* chunkFile(
  fd: number,
  cdc: FastCdc,
  buffer: Buffer,
  onRead?: (bytes: number) => void,
): Generator<Uint8Array> {
  if (buffer.length < cdc.max * 2) throw new RangeError('chunk buffer must hold at least two maximal chunks');
  let start = 0;
  let end = 0;
  let eof = false;
  for (;;) {
    if (!eof && end - start < cdc.max) {
      if (start > 0) {
        buffer.copyWithin(0, start, end);
        end -= start;
        start = 0;
      }
      while (!eof && end < buffer.length) {
        const n = readSync(fd, buffer, end, buffer.length - end, null);
        if (n === 0) eof = true;
        else {
          end += n;
          onRead?.(n);
        }
      }
    }
    if (start >= end) return;
    const len = cdc.cut(buffer, start, end);
    yield buffer.subarray(start, start + len);
    start += len;
  }
}
