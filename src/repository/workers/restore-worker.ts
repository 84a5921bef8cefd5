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
/** Raw blobs are decrypted here, likewise (a fresh buffer per blob cost page faults and zeroing). */
let plainBuffer = Buffer.alloc(0);
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

/**
 * The blob's plaintext, verified against its id. A raw blob is decrypted and hashed: its id (from the
 * authenticated index and the hash-chained trees) is the check, which any change to the ciphertext fails, so the
 * Poly1305 pass is spared. A compressed blob's MAC is checked first, so the decompressor only ever parses
 * authenticated bytes.
 */
function openBlob(job: RestoreJob, index: number): Buffer {
  const b = job.blobs[index];
  const sealed = sealedBlob(job, b.offset, b.length);
  const k = key as CryptoKey;
  let plain: Buffer;
  if (b.uncompressedLength < 0) {
    if (plainBuffer.length < sealed.length) plainBuffer = Buffer.allocUnsafeSlow(sealed.length);
    plain = k.decryptForHashCheckInto(sealed, plainBuffer);
  } else {
    if (scratch.length < b.uncompressedLength) scratch = Buffer.allocUnsafeSlow(b.uncompressedLength);
    plain = scratch.subarray(0, b.uncompressedLength);
    if (decompressInto(k.open(sealed), plain) !== plain.length)
      throw new Error('decompresses to the wrong length');
  }
  if (createHash('sha256').update(plain).digest('hex') !== b.id) throw new Error('does not match its id');
  return plain;
}

function message(err: unknown): string {
  return (err as Error)?.message ?? String(err);
}

/** One job's files: each opened once, written, then finished (or reported broken) and closed. */
class JobFiles {
  readonly result: JobResult;
  readonly #job: RestoreJob;
  readonly #fds: Array<number | undefined>;
  /** Files that must not be finished: an I/O error (reason) or a damaged blob of theirs (empty reason). */
  readonly #broken = new Map<number, string>();
  readonly #holes = new Set<number>();

  constructor(job: RestoreJob) {
    this.#job = job;
    this.#fds = new Array(job.files.length);
    this.result = { type: 'result', jobId: job.jobId, bytes: 0, failedBlobs: [], failedFiles: [] };
  }

  blobFailed(index: number, reason: string): void {
    this.result.failedBlobs.push({ index, reason });
    const targets = this.#job.blobs[index].targets;
    for (let t = 0; t < targets.length; t += 2)
      if (!this.#broken.has(targets[t])) this.#broken.set(targets[t], '');
  }

  /** Writes `plain` at each target (or leaves a hole where it is all zeros). */
  write(index: number, plain: Buffer, zero: boolean): void {
    const targets = this.#job.blobs[index].targets;
    for (let t = 0; t < targets.length; t += 2) {
      const fi = targets[t];
      if (this.#broken.has(fi)) continue;
      try {
        let fd = this.#fds[fi];
        if (fd === undefined) {
          fd = openSync(this.#job.files[fi].path, WRITE_FLAGS, this.#job.files[fi].createMode);
          this.#fds[fi] = fd;
        }
        if (zero) this.#holes.add(fi);
        else writeSync(fd, plain, 0, plain.length, targets[t + 1]);
        this.result.bytes += plain.length;
      } catch (err) {
        this.#broken.set(fi, message(err));
      }
    }
  }

  /** Extends files that end in a hole, applies the metadata of files this job finishes, closes them all. */
  close(): JobResult {
    for (let fi = 0; fi < this.#fds.length; fi++) {
      const fd = this.#fds[fi];
      if (fd === undefined) continue;
      try {
        this.#finish(fi, fd);
      } catch (err) {
        if (!this.#broken.has(fi)) this.#broken.set(fi, message(err));
      } finally {
        closeSync(fd);
      }
    }
    for (const [index, reason] of this.#broken) if (reason) this.result.failedFiles.push({ index, reason });
    return this.result;
  }

  #finish(fi: number, fd: number): void {
    const file = this.#job.files[fi];
    // Holes at the end exist only once the file is extended; extending to the final size never cuts data.
    if (this.#holes.has(fi)) ftruncateSync(fd, file.size);
    const meta = file.finish;
    if (!meta || this.#broken.has(fi)) return;
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
}

function runJob(job: RestoreJob): JobResult {
  const files = new JobFiles(job);
  const sparse = init?.sparse ?? true;
  for (let bi = 0; bi < job.blobs.length; bi++) {
    let plain: Buffer;
    try {
      plain = openBlob(job, bi);
    } catch (err) {
      files.blobFailed(bi, message(err));
      continue;
    }
    files.write(bi, plain, sparse && isZero(plain));
  }
  return files.close();
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
