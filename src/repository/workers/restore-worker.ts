import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  ftruncateSync,
  futimesSync,
  openSync,
  writeSync,
} from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { decompressInto } from '../blobs/compression.ts';
import { CryptoKey } from '../crypto/crypto-key.ts';
import type {
  FromRestoreWorker,
  JobResult,
  RestoreInit,
  RestoreJob,
  ToRestoreWorker,
} from './restore-protocol.ts';

/**
 * Restore worker: opens (decrypts and authenticates), decompresses and verifies each blob of a pack job against
 * its id, then writes it at its offsets in the target files, each file opened once per job. A file whose
 * blobs all sit in this job is finished here too (owner, permissions, times through its descriptor), so a
 * typical small file costs one open, one write, and no call on the main thread.
 */
const port = parentPort;
if (!port) throw new Error('restore-worker must run in a worker thread');

let init: RestoreInit | undefined;
let key: CryptoKey | undefined;
let zeros = Buffer.alloc(0);
/** Decompressed blobs land here (written out before the next blob is opened). */
let scratch = Buffer.alloc(0);
const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT;

function isZero(b: Buffer): boolean {
  if (b.length === 0 || b[0] !== 0 || b[b.length - 1] !== 0) return false;
  if (zeros.length < b.length) zeros = Buffer.alloc(b.length);
  return zeros.subarray(0, b.length).equals(b);
}

function sealedBlob(job: RestoreJob, offset: number, length: number): Uint8Array {
  for (let i = 0; i < job.ranges.length; i++) {
    const start = offset - job.rangeOffsets[i];
    const range = job.ranges[i];
    if (start >= 0 && start + length <= range.length) return range.subarray(start, start + length);
  }
  throw new Error('pack is truncated');
}

function openBlob(job: RestoreJob, index: number): Buffer {
  const b = job.blobs[index];
  const sealed = sealedBlob(job, b.offset, b.length);
  let plain = (key as CryptoKey).open(sealed);
  if (b.uncompressedLength >= 0) {
    if (scratch.length < b.uncompressedLength) scratch = Buffer.allocUnsafeSlow(b.uncompressedLength);
    const out = scratch.subarray(0, b.uncompressedLength);
    if (decompressInto(plain, out) !== out.length) throw new Error('decompresses to the wrong length');
    plain = out;
  }
  if (createHash('sha256').update(plain).digest('hex') !== b.id) throw new Error('does not match its id');
  return plain;
}

function message(err: unknown): string {
  return (err as Error)?.message ?? String(err);
}

function runJob(job: RestoreJob): JobResult {
  const result: JobResult = { type: 'result', jobId: job.jobId, bytes: 0, failedBlobs: [], failedFiles: [] };
  const fds = new Array<number | undefined>(job.files.length);
  const broken = new Map<number, string>();
  const holes = new Set<number>();
  const sparse = init?.sparse ?? true;
  for (let bi = 0; bi < job.blobs.length; bi++) {
    const targets = job.blobs[bi].targets;
    let plain: Buffer;
    try {
      plain = openBlob(job, bi);
    } catch (err) {
      result.failedBlobs.push({ index: bi, reason: message(err) });
      for (let t = 0; t < targets.length; t += 2) if (!broken.has(targets[t])) broken.set(targets[t], '');
      continue;
    }
    const zero = sparse && isZero(plain);
    for (let t = 0; t < targets.length; t += 2) {
      const fi = targets[t];
      if (broken.has(fi)) continue;
      try {
        let fd = fds[fi];
        if (fd === undefined) {
          fd = openSync(job.files[fi].path, WRITE_FLAGS, job.files[fi].createMode);
          fds[fi] = fd;
        }
        if (zero) holes.add(fi);
        else writeSync(fd, plain, 0, plain.length, targets[t + 1]);
        result.bytes += plain.length;
      } catch (err) {
        broken.set(fi, message(err));
      }
    }
  }
  for (let fi = 0; fi < fds.length; fi++) {
    const fd = fds[fi];
    if (fd === undefined) continue;
    const file = job.files[fi];
    try {
      // Holes at the end exist only once the file is extended; extending to the final size never cuts data.
      if (holes.has(fi)) ftruncateSync(fd, file.size);
      const meta = file.finish;
      if (meta && !broken.has(fi)) {
        if (meta.chown) {
          try {
            fchownSync(fd, meta.uid, meta.gid);
          } catch {
            // not permitted: the file keeps the restoring user's ownership
          }
        }
        if (meta.chmod) fchmodSync(fd, meta.perms);
        futimesSync(fd, meta.atime, meta.mtime);
      }
    } catch (err) {
      if (!broken.has(fi)) broken.set(fi, message(err));
    } finally {
      closeSync(fd);
    }
  }
  for (const [index, reason] of broken) if (reason) result.failedFiles.push({ index, reason });
  return result;
}

port.on('message', (msg: ToRestoreWorker) => {
  if (msg.type === 'init') {
    init = msg;
    key = CryptoKey.fromJSON(msg.key);
    return;
  }
  const result = runJob(msg);
  port.postMessage(result satisfies FromRestoreWorker);
});
