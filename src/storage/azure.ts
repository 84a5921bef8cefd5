import type { Readable } from 'node:stream';
import {
  BlobSASPermissions,
  BlobServiceClient,
  type BlockBlobClient,
  type ContainerClient,
  type StoragePipelineOptions,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { LifeboatError } from '../core/errors.ts';
import { type AzureErrorContext, translateAzureError } from './azure-errors.ts';
import { type Body, bodyBytes, mapStreamErrors, readAll, validateRange } from './body.ts';
import { existsByStat } from './exists.ts';
import { compareKeys, normalizeBasePrefix, validateKey, validateListPrefix } from './keys.ts';
import type { ObjectInfo, ObjectStore, PutOptions } from './object-store.ts';

export interface AzureObjectStoreOptions {
  container: string;
  /** Every key lives under this prefix (a BackupStorageLocation's `prefix`). */
  prefix?: string;
  /** The storage account (Velero's `storageAccount`); not needed with a connection string. */
  accountName?: string;
  /** Shared key of the account. Needed for signed URLs. */
  accountKey?: string;
  /** A SAS token (`sv=…&sig=…`) granting access to the container; cannot sign URLs of its own. */
  sasToken?: string;
  /** A full connection string (AccountName, AccountKey or SharedAccessSignature, BlobEndpoint). */
  connectionString?: string;
  /** The blob service URL (Velero's `storageAccountURI`); default `https://<account>.blob.core.windows.net`. */
  endpoint?: string;
  /** Block size for staged uploads and the largest single-shot upload; default 8 MiB (`blockSizeInBytes`). */
  blockSize?: number;
  /** Blocks uploaded at once; default 4. Memory per streamed upload is about blockSize × concurrency. */
  concurrency?: number;
  /** Blobs per list request (at most 5000, the service's default). */
  listPageSize?: number;
  /** Attempts per request by the SDK itself; default 3. */
  maxTries?: number;
}

const MiB = 1024 * 1024;

/** The ObjectStore over Azure Blob Storage (`provider: azure`). */
export interface AzureObjectStore extends ObjectStore {
  readonly container: string;
}

/**
 * Builds an Azure Blob ObjectStore over `@azure/storage-blob`. Nothing is contacted until the first call.
 * Streams are staged as blocks and committed in one call, so a blob appears whole or not at all; an upload
 * whose source fails leaves only uncommitted blocks, which the service discards. Create-if-absent puts send
 * `If-None-Match: *` on the commit.
 */
export function createAzureObjectStore(options: AzureObjectStoreOptions): AzureObjectStore {
  return new AzureStore(options);
}

class AzureStore implements AzureObjectStore {
  readonly provider = 'azure';
  readonly container: string;
  readonly #base: string;
  readonly #client: ContainerClient;
  readonly #blockSize: number;
  readonly #concurrency: number;
  readonly #pageSize: number | undefined;
  readonly #secrets: (string | undefined)[];

  constructor(options: AzureObjectStoreOptions) {
    if (!options.container || options.container.includes('/'))
      throw new LifeboatError(
        'Invalid',
        `azure container name ${JSON.stringify(options.container)} is not valid`,
        {
          field: 'container',
        },
      );
    this.container = options.container;
    this.#base = normalizeBasePrefix(options.prefix);
    this.#blockSize = options.blockSize ?? 8 * MiB;
    this.#concurrency = Math.max(1, options.concurrency ?? 4);
    this.#pageSize = options.listPageSize;
    this.#secrets = secretsOf(options);
    this.#client = serviceClient(options).getContainerClient(options.container);
  }

  async put(key: string, body: Body, options: PutOptions = {}): Promise<void> {
    const name = this.#full(key);
    const blob = this.#blob(name);
    const common = {
      blobHTTPHeaders: options.contentType ? { blobContentType: options.contentType } : undefined,
      conditions: options.ifNoneMatch ? { ifNoneMatch: '*' } : undefined,
    };
    const bytes = bodyBytes(body);
    try {
      if (bytes !== undefined)
        await blob.uploadData(bytes, {
          ...common,
          blockSize: this.#blockSize,
          maxSingleShotSize: this.#blockSize,
          concurrency: this.#concurrency,
        });
      else await blob.uploadStream(body as Readable, this.#blockSize, this.#concurrency, common);
    } catch (err) {
      throw this.#error(err, 'put', name, options.ifNoneMatch);
    }
  }

  async get(key: string): Promise<Readable> {
    const name = this.#full(key);
    try {
      // maxRetryRequests: a body broken mid-way is resumed from where it stopped (pinned to the same ETag).
      const response = await this.#blob(name).download(0, undefined, { maxRetryRequests: 3 });
      return mapStreamErrors(response.readableStreamBody as Readable, (err) => this.#error(err, 'get', name));
    } catch (err) {
      throw this.#error(err, 'get', name);
    }
  }

  async getBuffer(key: string): Promise<Buffer> {
    return readAll(await this.get(key));
  }

  async getRange(key: string, offset: number, length: number): Promise<Buffer> {
    const name = this.#full(key);
    validateRange(offset, length);
    if (length > 0) {
      try {
        const response = await this.#blob(name).download(offset, length, { maxRetryRequests: 3 });
        return await readAll(response.readableStreamBody as Readable);
      } catch (err) {
        const status = (err as { statusCode?: number }).statusCode;
        if (status !== 416) throw this.#error(err, 'get', name);
      }
    }
    // Nothing to read (zero length, or 416 for a range at or past the end): only the object must exist.
    await this.stat(key);
    return Buffer.alloc(0);
  }

  async stat(key: string): Promise<ObjectInfo> {
    const name = this.#full(key);
    try {
      const properties = await this.#blob(name).getProperties();
      return {
        key,
        size: properties.contentLength ?? 0,
        lastModified: properties.lastModified ?? new Date(0),
      };
    } catch (err) {
      throw this.#error(err, 'stat', name);
    }
  }

  exists(key: string): Promise<boolean> {
    return existsByStat((k) => this.stat(k), key);
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    validateListPrefix(prefix);
    const pages = this.#client
      .listBlobsFlat({ prefix: this.#base + prefix })
      .byPage({ maxPageSize: this.#pageSize });
    try {
      for await (const page of pages)
        for (const item of page.segment.blobItems) {
          const key = item.name.slice(this.#base.length);
          // Directory markers of hierarchical-namespace accounts are not objects in this store's contract.
          if (key === '' || key.endsWith('/')) continue;
          yield {
            key,
            size: item.properties.contentLength ?? 0,
            lastModified: item.properties.lastModified ?? new Date(0),
          };
        }
    } catch (err) {
      throw this.#error(err, 'list', this.#base + prefix);
    }
  }

  async listCommonPrefixes(prefix: string, delimiter = '/'): Promise<string[]> {
    validateListPrefix(prefix);
    if (delimiter === '')
      throw new LifeboatError('Invalid', 'delimiter must not be empty', { field: 'delimiter' });
    const found = new Set<string>();
    try {
      const pages = this.#client
        .listBlobsByHierarchy(delimiter, { prefix: this.#base + prefix })
        .byPage({ maxPageSize: this.#pageSize });
      for await (const page of pages)
        for (const common of page.segment.blobPrefixes ?? []) found.add(common.name.slice(this.#base.length));
    } catch (err) {
      throw this.#error(err, 'list', this.#base + prefix);
    }
    return [...found].sort(compareKeys);
  }

  async delete(key: string): Promise<void> {
    const name = this.#full(key);
    try {
      await this.#blob(name).deleteIfExists();
    } catch (err) {
      const translated = this.#error(err, 'delete', name);
      if (translated.code !== 'NotFound') throw translated;
    }
  }

  async signedUrl(key: string, ttlMs: number): Promise<string> {
    const name = this.#full(key);
    if (!(ttlMs > 0))
      throw new LifeboatError('Invalid', `signed URL lifetime must be positive, got ${ttlMs} ms`, {
        field: 'ttl',
      });
    const blob = this.#blob(name);
    if (!(blob.credential instanceof StorageSharedKeyCredential))
      throw new LifeboatError(
        'Unavailable',
        'azure signed URLs need the storage account key; this location is configured with a SAS token',
        { retryable: false },
      );
    try {
      return await blob.generateSasUrl({
        permissions: BlobSASPermissions.parse('r'),
        expiresOn: new Date(Date.now() + ttlMs),
      });
    } catch (err) {
      throw this.#error(err, 'sign', name);
    }
  }

  #full(key: string): string {
    validateKey(key);
    return this.#base + key;
  }

  #blob(name: string): BlockBlobClient {
    return this.#client.getBlockBlobClient(name);
  }

  #error(err: unknown, op: string, key: string, conditional = false): LifeboatError {
    const ctx: AzureErrorContext = {
      op,
      container: this.container,
      key,
      conditional,
      secrets: this.#secrets,
    };
    return translateAzureError(err, ctx);
  }
}

function serviceClient(options: AzureObjectStoreOptions): BlobServiceClient {
  const pipeline: StoragePipelineOptions = {
    retryOptions: { maxTries: options.maxTries ?? 3, retryDelayInMs: 500, maxRetryDelayInMs: 8000 },
  };
  if (options.connectionString)
    return BlobServiceClient.fromConnectionString(options.connectionString, pipeline);
  if (!options.accountName)
    throw new LifeboatError('Invalid', 'azure object store needs an account name (storageAccount)', {
      field: 'storageAccount',
    });
  const endpoint = (options.endpoint || `https://${options.accountName}.blob.core.windows.net`).replace(
    /\/+$/,
    '',
  );
  if (options.accountKey)
    return new BlobServiceClient(
      endpoint,
      new StorageSharedKeyCredential(options.accountName, options.accountKey),
      pipeline,
    );
  if (options.sasToken)
    return new BlobServiceClient(`${endpoint}?${options.sasToken.replace(/^\?/, '')}`, undefined, pipeline);
  throw new LifeboatError(
    'Invalid',
    `azure object store for account ${options.accountName} needs an account key, a SAS token or a connection string`,
    { field: 'credential' },
  );
}

/** Every credential value that must never appear in a message: the key, the SAS signature, the whole SAS. */
function secretsOf(options: AzureObjectStoreOptions): (string | undefined)[] {
  const secrets = [options.accountKey, options.sasToken, options.connectionString];
  for (const text of [options.sasToken, options.connectionString]) {
    if (!text) continue;
    for (const match of text.matchAll(/(?:AccountKey=|SharedAccessSignature=|sig=)([^;&]+)/g)) {
      secrets.push(match[1], decodeURIComponentSafe(match[1]));
    }
  }
  return secrets;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
