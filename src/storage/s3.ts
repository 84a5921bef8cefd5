import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { LifeboatError } from '../core/errors.ts';
import { type AwsCredentials, readAwsCredentialsFile } from './aws-credentials.ts';
import { type Body, bodyBytes, mapStreamErrors, readAll, validateRange } from './body.ts';
import { existsByStat } from './exists.ts';
import { compareKeys, normalizeBasePrefix, validateKey, validateListPrefix } from './keys.ts';
import type { ObjectInfo, ObjectStore, PutOptions } from './object-store.ts';
import { type S3ErrorContext, translateS3Error } from './s3-errors.ts';
import { presignGetObject } from './s3-presign.ts';

export interface S3ObjectStoreOptions {
  bucket: string;
  /** Every key lives under this prefix (a BackupStorageLocation's `prefix`). */
  prefix?: string;
  /** Default `us-east-1`; when not given, the client follows S3's region redirects. */
  region?: string;
  /** The service URL for S3-compatible services (Velero's `s3Url`), e.g. `http://minio:9000`. */
  endpoint?: string;
  /** Bucket in the path instead of the host name; most S3-compatible services need it (`s3ForcePathStyle`). */
  forcePathStyle?: boolean;
  /** PEM certificates to trust for the endpoint (Velero's `caCert`). */
  caBundle?: string | Buffer;
  /** Accept any TLS certificate (Velero's `insecureSkipTLSVerify`). For test installations only. */
  insecureSkipTLSVerify?: boolean;
  /** Explicit credentials; otherwise `credentialsFile`; otherwise the SDK's default chain. */
  credentials?: AwsCredentials;
  /** Path of an AWS-style credentials file (Velero's `credentialsFile`, a materialized Secret). */
  credentialsFile?: string;
  /** Profile in the credentials file; default `default`. */
  profile?: string;
  /** Another endpoint used only for signed URLs (Velero's `publicUrl`), for clients outside the cluster. */
  publicUrl?: string;
  /** `AES256` or `aws:kms` (Velero's `serverSideEncryption`). */
  serverSideEncryption?: string;
  /** KMS key for `aws:kms` encryption (Velero's `kmsKeyId`); implies `aws:kms`. */
  kmsKeyId?: string;
  /** Object tags in query form, `k1=v1&k2=v2` (Velero's `tagging`). */
  tagging?: string;
  /** `CRC32`, `CRC32C`, `SHA1`, `SHA256` to have uploads checksummed (Velero's `checksumAlgorithm`); off by default. */
  checksumAlgorithm?: string;
  /** Bytes per multipart part, at least 5 MiB; default 8 MiB (8 MiB × 10,000 parts allows objects to ~78 GiB). */
  partSize?: number;
  /** Parts uploaded at once; default 4. Memory per upload is about partSize × queueSize. */
  queueSize?: number;
  /** Keys per list request (S3's MaxKeys, at most 1000). */
  listPageSize?: number;
  /** Attempts per request by the SDK itself (it retries throttling and 5xx per request); default 3. */
  maxAttempts?: number;
  /** Concurrent connections to the service; default 50. */
  maxSockets?: number;
}

const MiB = 1024 * 1024;
const DEFAULT_PART_SIZE = 8 * MiB;
/** S3 refuses presigned URLs valid for longer than seven days. */
const MAX_SIGNED_URL_SECONDS = 7 * 24 * 3600;

/** The ObjectStore over S3 and S3-compatible services (`provider: aws`), built on `@aws-sdk/client-s3`. */
export interface S3ObjectStore extends ObjectStore {
  readonly bucket: string;
  /** Releases the client's connections. */
  close(): Promise<void>;
}

/**
 * Builds an S3 ObjectStore. Nothing is contacted until the first call, so a wrong endpoint or credentials
 * show up as the first operation's error (PermissionDenied, Unavailable). Checksums are computed only where
 * the API requires them (`WHEN_REQUIRED`), because S3-compatible services often reject the newer default
 * checksum headers. Streams and bodies larger than one part go up as multipart uploads; a failed multipart
 * upload is aborted, so no partial object ever appears.
 */
export function createS3ObjectStore(options: S3ObjectStoreOptions): S3ObjectStore {
  return new S3Store(options);
}

class S3Store implements S3ObjectStore {
  readonly provider = 'aws';
  readonly bucket: string;
  readonly #base: string;
  readonly #client: S3Client;
  readonly #signingClient: S3Client;
  readonly #partSize: number;
  readonly #queueSize: number;
  readonly #pageSize: number | undefined;
  readonly #writeParams: Partial<PutObjectCommandInput>;
  readonly #secrets: (string | undefined)[] = [];

  constructor(options: S3ObjectStoreOptions) {
    const bucket = (options.bucket ?? '').replace(/^\/+|\/+$/g, '');
    if (bucket === '' || (bucket.includes('/') && !bucket.startsWith('arn:aws:s3:')))
      throw new LifeboatError('Invalid', `s3 bucket name ${JSON.stringify(options.bucket)} is not valid`, {
        field: 'bucket',
      });
    this.bucket = bucket;
    this.#base = normalizeBasePrefix(options.prefix);
    this.#partSize = options.partSize ?? DEFAULT_PART_SIZE;
    if (this.#partSize < 5 * MiB)
      throw new LifeboatError('Invalid', 's3 multipart part size must be at least 5 MiB', {
        field: 'partSize',
      });
    this.#queueSize = Math.max(1, options.queueSize ?? 4);
    this.#pageSize = options.listPageSize;
    this.#writeParams = writeParams(options);
    this.#client = new S3Client(this.#clientConfig(options, options.endpoint));
    this.#signingClient = options.publicUrl
      ? new S3Client(this.#clientConfig(options, options.publicUrl))
      : this.#client;
  }

  async put(key: string, body: Body, options: PutOptions = {}): Promise<void> {
    const Key = this.#full(key);
    const bytes = bodyBytes(body);
    const params: PutObjectCommandInput = {
      ...this.#writeParams,
      Bucket: this.bucket,
      Key,
      ContentType: options.contentType,
      // AWS S3 honours If-None-Match on PutObject and CompleteMultipartUpload. s3rver ignores it (it overwrites).
      IfNoneMatch: options.ifNoneMatch ? '*' : undefined,
    };
    try {
      if (bytes !== undefined && bytes.length <= this.#partSize) {
        await this.#client.send(
          new PutObjectCommand({ ...params, Body: bytes, ContentLength: bytes.length }),
        );
        return;
      }
      const upload = new Upload({
        client: this.#client,
        params: { ...params, Body: bytes ?? body, ContentLength: bytes?.length ?? options.contentLength },
        partSize: this.#partSize,
        queueSize: this.#queueSize,
        leavePartsOnError: false,
      });
      await upload.done();
    } catch (err) {
      throw this.#error(err, 'put', Key, options.ifNoneMatch);
    }
  }

  async get(key: string): Promise<Readable> {
    const Key = this.#full(key);
    try {
      const out = await this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      return mapStreamErrors(out.Body as Readable, (err) => this.#error(err, 'get', Key));
    } catch (err) {
      throw this.#error(err, 'get', Key);
    }
  }

  async getBuffer(key: string): Promise<Buffer> {
    return readAll(await this.get(key));
  }

  async getRange(key: string, offset: number, length: number): Promise<Buffer> {
    const Key = this.#full(key);
    validateRange(offset, length);
    if (length === 0) {
      await this.stat(key);
      return Buffer.alloc(0);
    }
    try {
      const out = await this.#client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key, Range: `bytes=${offset}-${offset + length - 1}` }),
      );
      const data = await readAll(out.Body as Readable);
      // A service that ignores Range answers 200 with the whole object: cut the range out ourselves.
      if (out.ContentRange === undefined && data.length > length)
        return data.subarray(offset, offset + length);
      return data;
    } catch (err) {
      if (!isRangeNotSatisfiable(err)) throw this.#error(err, 'get', Key);
    }
    // 416: the range starts at or past the end. The object must still exist for that to be an empty read.
    await this.stat(key);
    return Buffer.alloc(0);
  }

  async stat(key: string): Promise<ObjectInfo> {
    const Key = this.#full(key);
    try {
      const out = await this.#client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      return { key, size: out.ContentLength ?? 0, lastModified: out.LastModified ?? new Date(0) };
    } catch (err) {
      throw this.#error(err, 'stat', Key);
    }
  }

  exists(key: string): Promise<boolean> {
    return existsByStat((k) => this.stat(k), key);
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    validateListPrefix(prefix);
    for await (const page of this.#pages(prefix, undefined)) {
      for (const object of page.Contents ?? []) {
        const key = object.Key?.slice(this.#base.length) ?? '';
        // Zero-byte "folder" markers (`dir/`) that consoles create are not objects in this store's contract.
        if (key === '' || key.endsWith('/')) continue;
        yield { key, size: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0) };
      }
    }
  }

  async listCommonPrefixes(prefix: string, delimiter = '/'): Promise<string[]> {
    validateListPrefix(prefix);
    if (delimiter === '')
      throw new LifeboatError('Invalid', 'delimiter must not be empty', { field: 'delimiter' });
    // A set: services that page by object keys may repeat a prefix on the next page.
    const found = new Set<string>();
    for await (const page of this.#pages(prefix, delimiter))
      for (const common of page.CommonPrefixes ?? [])
        if (common.Prefix) found.add(common.Prefix.slice(this.#base.length));
    return [...found].sort(compareKeys);
  }

  async delete(key: string): Promise<void> {
    const Key = this.#full(key);
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
    } catch (err) {
      const translated = this.#error(err, 'delete', Key);
      if (translated.code !== 'NotFound') throw translated;
    }
  }

  async signedUrl(key: string, ttlMs: number): Promise<string> {
    const Key = this.#full(key);
    const seconds = Math.ceil(ttlMs / 1000);
    if (!(seconds >= 1 && seconds <= MAX_SIGNED_URL_SECONDS))
      throw new LifeboatError(
        'Invalid',
        `signed URL lifetime must be between 1 s and 7 days, got ${ttlMs} ms`,
        {
          field: 'ttl',
        },
      );
    try {
      return await presignGetObject(this.#signingClient, this.bucket, Key, seconds);
    } catch (err) {
      throw this.#error(err, 'sign', Key);
    }
  }

  async close(): Promise<void> {
    this.#client.destroy();
    if (this.#signingClient !== this.#client) this.#signingClient.destroy();
  }

  async *#pages(prefix: string, delimiter: string | undefined): AsyncGenerator<ListObjectsV2CommandOutput> {
    let token: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await this.#client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.#base + prefix,
            Delimiter: delimiter,
            ContinuationToken: token,
            MaxKeys: this.#pageSize,
          }),
        );
      } catch (err) {
        throw this.#error(err, 'list', this.#base + prefix);
      }
      yield page;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  #full(key: string): string {
    validateKey(key);
    return this.#base + key;
  }

  #error(err: unknown, op: string, key: string, conditional = false): LifeboatError {
    const ctx: S3ErrorContext = { op, bucket: this.bucket, key, conditional, secrets: this.#secrets };
    return translateS3Error(err, ctx);
  }

  #clientConfig(options: S3ObjectStoreOptions, endpoint: string | undefined): S3ClientConfig {
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 50 };
    return {
      region: options.region || 'us-east-1',
      followRegionRedirects: !options.region,
      endpoint: endpoint || undefined,
      forcePathStyle: options.forcePathStyle ?? false,
      credentials: this.#credentials(options),
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: options.maxAttempts ?? 3,
      requestHandler: {
        httpAgent: new HttpAgent(agentOptions),
        httpsAgent: new HttpsAgent({
          ...agentOptions,
          ca: options.caBundle,
          rejectUnauthorized: !options.insecureSkipTLSVerify,
        }),
        connectionTimeout: 10_000,
      },
    };
  }

  #credentials(options: S3ObjectStoreOptions): S3ClientConfig['credentials'] {
    if (options.credentials) {
      this.#rememberSecrets(options.credentials);
      return { ...options.credentials };
    }
    const file = options.credentialsFile;
    if (!file) return undefined; // the SDK's default chain: environment, shared files, web identity, IMDS
    // Read on first use (the SDK caches credentials without an expiry), so construction never does I/O.
    return async () => {
      const credentials = await readAwsCredentialsFile(file, options.profile);
      this.#rememberSecrets(credentials);
      return credentials;
    };
  }

  #rememberSecrets(credentials: AwsCredentials): void {
    this.#secrets.push(credentials.secretAccessKey, credentials.sessionToken, credentials.accessKeyId);
  }
}

function writeParams(options: S3ObjectStoreOptions): Partial<PutObjectCommandInput> {
  const params: Partial<PutObjectCommandInput> = {};
  if (options.kmsKeyId) {
    params.ServerSideEncryption = 'aws:kms';
    params.SSEKMSKeyId = options.kmsKeyId;
  } else if (options.serverSideEncryption) {
    params.ServerSideEncryption =
      options.serverSideEncryption as PutObjectCommandInput['ServerSideEncryption'];
  }
  if (options.tagging) params.Tagging = options.tagging;
  if (options.checksumAlgorithm)
    params.ChecksumAlgorithm =
      options.checksumAlgorithm.toUpperCase() as PutObjectCommandInput['ChecksumAlgorithm'];
  return params;
}

function isRangeNotSatisfiable(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return e?.name === 'InvalidRange' || e?.$metadata?.httpStatusCode === 416;
}
