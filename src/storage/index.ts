/**
 * Object storage: the ObjectStore port (object-store.ts), its backends and wrappers, and the bucket layout.
 *
 * - Backends: `fs` (a local directory, the embedded default), `aws` (S3 and S3-compatible services), `azure`
 *   (Azure Blob), and `memory` (for tests of the layers above). All pass the one conformance suite
 *   (conformance.ts, imported by tests only).
 * - Wrappers: `createPrefixedObjectStore` (a repository's `restic/<namespace>/` view), `createRetryingObjectStore`
 *   (backoff on retryable errors), `createFaultyObjectStore` (fault injection for crash-safety tests).
 * - `createObjectStore` builds a store from a BackupStorageLocation's provider, bucket, prefix, config and
 *   credentials; `layout.ts` is the only place that spells a key.
 *
 * Imports only `core/`. Errors leave this folder as LifeboatErrors with codes, never as SDK errors, and carry
 * no credentials.
 */
export type { AwsCredentials } from './aws-credentials.ts';
export { parseAwsCredentialsFile, readAwsCredentialsFile } from './aws-credentials.ts';
export { type AzureObjectStore, type AzureObjectStoreOptions, createAzureObjectStore } from './azure.ts';
export type { Body } from './body.ts';
export {
  createObjectStore,
  normalizeProvider,
  type ObjectStoreFactoryOptions,
  PROVIDER_CONFIG_KEYS,
  STORAGE_PROVIDERS,
  type StorageProvider,
} from './factory.ts';
export {
  createFaultyObjectStore,
  type FaultAction,
  type FaultRule,
  type FaultyCall,
  type FaultyObjectStore,
  SimulatedCrash,
  type StoreMethod,
} from './faulty.ts';
export { createFsObjectStore, type FsObjectStoreOptions, type FsUrlSigner } from './fs.ts';
export { compareKeys, validateKey, validateListPrefix } from './keys.ts';
export * from './layout.ts';
export {
  createMemoryObjectStore,
  type MemoryBucket,
  type MemoryObject,
  type MemoryObjectStoreOptions,
} from './memory.ts';
export type { ObjectInfo, ObjectStore, PutOptions } from './object-store.ts';
export { createPrefixedObjectStore } from './prefixed.ts';
export { createRetryingObjectStore, DEFAULT_RETRY_POLICY, type RetryPolicy } from './retrying.ts';
export { createS3ObjectStore, type S3ObjectStore, type S3ObjectStoreOptions } from './s3.ts';
export { readSideFileList } from './side-file.ts';
