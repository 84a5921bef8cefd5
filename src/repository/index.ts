/**
 * The restic-format (repository version 2) volume-data repository engine. See docs/repository-format.md.
 *
 * Open or create a repository over any ObjectStore, back up directory trees into snapshots, restore them,
 * and browse them. Lower layers (format/, crypto/, repo/) are exported for the maintenance commands
 * (forget, prune, check, stats, key management) built on top.
 */
export {
  type BackupOptions,
  type BackupProgress,
  type BackupResult,
  type BackupStats,
  backup,
} from './archiver/archiver.ts';
export { type CompressionMode, CompressionModes } from './blobs/compression.ts';
export { type ChunkerParams, DEFAULT_CHUNKER_PARAMS, FastCdc } from './chunker/fastcdc.ts';
export { CryptoKey } from './crypto/crypto-key.ts';
export { DEFAULT_KDF_PARAMS, type KdfParams } from './crypto/kdf.ts';
export type { RepoConfig } from './format/config.ts';
export {
  type BlobLocation,
  decodeIndexFile,
  encodeIndexFile,
  type IndexFileJSON,
  MasterIndex,
  type PackContents,
} from './format/index.ts';
export { createKeyFile, type KeyFileJSON, openKeyFile, parseKeyFile } from './format/key-file.ts';
export { isStaleLock, type LockJSON, STALE_LOCK_MS } from './format/lock.ts';
export { type BlobType, decodePackHeader, encodePackHeader, type PackedBlob } from './format/pack.ts';
export type { Snapshot, SnapshotJSON } from './format/snapshot.ts';
export { formatGoTime, parseGoTime } from './format/time.ts';
export { decodeTree, encodeTree, type NodeType, type TreeNode } from './format/tree.ts';
export { BlobSaver, type BlobSaverStats } from './repo/blob-saver.ts';
export { CONFIG_KEY, type FileKind, fileKey, idFromKey } from './repo/layout.ts';
export { acquireLock, type LockHandle, type LockInfo, listLocks, removeLocks } from './repo/locks.ts';
export {
  DEFAULT_PACK_SIZE,
  type InitOptions,
  initRepository,
  openRepository,
  Repository,
  type RepositoryOptions,
} from './repo/repository.ts';
export { type DiffEntry, diff, dump, type FindMatch, find, ls } from './restorer/browse.ts';
export {
  type RestoreOptions,
  type RestoreProgress,
  type RestoreResult,
  restore,
} from './restorer/restorer.ts';
export { findNode, type WalkEntry, walkTree } from './restorer/tree-walk.ts';
