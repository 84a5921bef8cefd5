// Runs s3rver in this (child) process with its listing corrected to S3's semantics; test/support/s3rver.ts
// starts it. Usage: node --openssl-legacy-provider s3rver-main.cjs <directory> [--pristine]
//
// s3rver 3.7.1 lists by walking its directory tree, which departs from S3 in two ways that matter to Lifeboat:
// 1. keys come out in per-directory order ("x/1" before "x-1"), not in S3's byte order;
// 2. with a delimiter it never descends below the first delimiter after the prefix, so a common prefix whose
//    objects all lie two or more levels deeper ("backups/" when only "backups/b1/velero-backup.json" exists)
//    is not reported at all, which would hide a storage location's top-level directories.
// The replacement below collects every key under the prefix, sorts it by bytes and then pages, as S3 does.
// 3. Its writes are not atomic and a PUT of an in-memory body is answered before the file is flushed, so a GET
//    right after a PUT, or during an overwrite, can read a short object. Writes below go to a temporary file
//    that is renamed into place once complete, before the PUT is answered.
// `--pristine` runs s3rver unmodified, to observe its own behaviour.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { Readable, Transform } = require('node:stream');
const { pipeline } = require('node:stream/promises');
const S3rver = require('s3rver');
const FilesystemStore = require('s3rver/lib/stores/filesystem');
const { walk } = require('s3rver/lib/utils');
const S3Object = require('s3rver/lib/models/object');

const OBJECT_SUFFIX = '._S3rver_object';

function byteOrder(a, b) {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

async function listObjects(bucket, options) {
  const { delimiter = '', startAfter = '', prefix = '', maxKeys = Number.POSITIVE_INFINITY } = options;
  const bucketPath = this.getBucketPath(bucket);
  const keys = [];
  for (const file of walk(bucketPath)) {
    if (!file.endsWith(OBJECT_SUFFIX)) continue;
    const key = FilesystemStore.decodeKeyPath(file.slice(bucketPath.length + 1, -OBJECT_SUFFIX.length));
    if (key.startsWith(prefix) && byteOrder(key, startAfter) > 0) keys.push(key);
  }
  keys.sort(byteOrder);
  const page = [];
  const commonPrefixes = new Set();
  let isTruncated = false;
  for (const key of keys) {
    const at = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    if (at !== -1) {
      commonPrefixes.add(key.slice(0, at + delimiter.length));
      continue;
    }
    if (page.length >= maxKeys) {
      isTruncated = true;
      break;
    }
    page.push(key);
  }
  const metadata = await Promise.all(page.map((key) => this.getMetadata(bucket, key).catch(() => undefined)));
  return {
    objects: page
      .map((key, i) => [key, metadata[i]])
      .filter(([, meta]) => meta !== undefined)
      .map(([key, meta]) => new S3Object(bucket, key, null, meta)),
    commonPrefixes: [...commonPrefixes].sort(byteOrder),
    isTruncated,
  };
}

let temporaries = 0;
const temporaryName = (file) => `${file}.${process.pid}-${temporaries++}.tmp`;

async function writeAtomically(file, data) {
  const temp = temporaryName(file);
  await fs.promises.writeFile(temp, data);
  await fs.promises.rename(temp, file);
}

async function putObject(object) {
  const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
  await fs.promises.mkdir(path.dirname(objectPath), { recursive: true });
  const temp = temporaryName(objectPath);
  const md5 = crypto.createHash('md5');
  let size = 0;
  const measure = new Transform({
    transform(chunk, encoding, callback) {
      md5.update(chunk, encoding);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  const source = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
  try {
    await pipeline(source, measure, fs.createWriteStream(temp));
    await fs.promises.rename(temp, objectPath);
  } catch (err) {
    await fs.promises.rm(temp, { force: true });
    throw err;
  }
  const digest = md5.digest('hex');
  await this.putMetadata(object.bucket, object.key, object.metadata, digest);
  return { size, md5: digest };
}

async function putMetadata(bucket, key, metadata, md5) {
  const json = {};
  for (const [name, value] of Object.entries(metadata))
    if (S3Object.ALLOWED_METADATA.includes(name) || name.startsWith('x-amz-meta-')) json[name] = value;
  if (md5) await writeAtomically(this.getResourcePath(bucket, key, 'object.md5'), md5);
  await writeAtomically(this.getResourcePath(bucket, key, 'metadata.json'), JSON.stringify(json, null, 2));
}

async function main() {
  const directory = path.resolve(process.argv[2]);
  if (!process.argv.includes('--pristine')) {
    FilesystemStore.prototype.listObjects = listObjects;
    FilesystemStore.prototype.putObject = putObject;
    FilesystemStore.prototype.putMetadata = putMetadata;
  }
  const server = new S3rver({ directory, address: '127.0.0.1', port: 0, silent: true });
  const { port } = await server.run();
  process.stdout.write(`S3rver listening on 127.0.0.1:${port}\n`);
  const stop = () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
