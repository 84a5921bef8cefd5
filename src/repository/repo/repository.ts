import { createHash } from 'node:crypto';
import { hostname as osHostname, userInfo } from 'node:os';
import type { Logger } from 'pino';
import { isLifeboatError, LifeboatError } from '../../core/errors.ts';
import type { ObjectStore } from '../../storage/object-store.ts';
import { type CompressionMode, decompress } from '../blobs/compression.ts';
import type { CryptoKey } from '../crypto/crypto-key.ts';
import { CryptoKey as MasterKey } from '../crypto/crypto-key.ts';
import type { KdfParams } from '../crypto/kdf.ts';
import { decodeConfig, encodeConfig, newConfig, type RepoConfig } from '../format/config.ts';
import { decodeIndexFile, type IndexFileJSON, MasterIndex, type PackContents } from '../format/index.ts';
import { createKeyFile, openKeyFile, parseKeyFile } from '../format/key-file.ts';
import { type BlobType, decodePackHeader, EAGER_TAIL, headerSpan, type PackedBlob } from '../format/pack.ts';
import { canonicalSnapshot, type Snapshot, type SnapshotJSON } from '../format/snapshot.ts';
import { decodeTree, type TreeNode } from '../format/tree.ts';
import { decodeUnpacked, encodeUnpacked } from '../format/unpacked.ts';
import { CONFIG_KEY, type FileKind, fileKey, idFromKey, kindPrefix } from './layout.ts';
import { FilePrefetch } from './prefetch.ts';

export interface RepositoryOptions {
  /** Data blob compression for new data (`auto` by default). Trees and metadata are always compressed in v2. */
  compression?: CompressionMode;
  /** Target pack size in bytes (default 16 MiB). */
  packSize?: number;
  logger?: Logger;
  hostname?: string;
  username?: string;
  /**
   * `openRepository` only: read index, snapshot and lock files while the key is derived (default true), so a
   * remote store's round trips overlap scrypt instead of following it.
   */
  prefetch?: boolean;
}

export interface InitOptions extends RepositoryOptions {
  /** scrypt parameters for the first key (default: DEFAULT_KDF_PARAMS). */
  kdf?: KdfParams;
}

export const DEFAULT_PACK_SIZE = 16 * 1024 * 1024;

/**
 * An open repository: the master key, the config, and typed access to its files. The index is loaded on
 * demand (`loadIndex`). Writers (blob saver, snapshot save) live beside it and go through its methods, which
 * encode the ordering rules: packs are uploaded before any index names them, and snapshots after their index.
 */
export class Repository {
  readonly store: ObjectStore;
  readonly key: CryptoKey;
  readonly keyId: string;
  readonly config: RepoConfig;
  readonly compression: CompressionMode;
  readonly packSize: number;
  readonly hostname: string;
  readonly username: string;
  readonly logger: Logger | undefined;
  readonly index = new MasterIndex();
  #indexLoaded = false;
  readonly #loadedIndexFiles = new Set<string>();
  readonly #prefetch: FilePrefetch | undefined;

  constructor(
    store: ObjectStore,
    key: CryptoKey,
    keyId: string,
    config: RepoConfig,
    options: RepositoryOptions,
    prefetch?: FilePrefetch,
  ) {
    this.store = store;
    this.#prefetch = prefetch;
    this.key = key;
    this.keyId = keyId;
    this.config = config;
    this.compression = options.compression ?? 'auto';
    this.packSize = options.packSize ?? DEFAULT_PACK_SIZE;
    this.hostname = options.hostname ?? osHostname();
    this.username = options.username ?? safeUsername();
    this.logger = options.logger;
    if (config.version < 2 && this.compression !== 'off') this.compression = 'off';
  }

  /** Ids of every file of `kind`, in key order. */
  async listIds(kind: FileKind): Promise<string[]> {
    const ids: string[] = [];
    for await (const obj of this.store.list(kindPrefix(kind))) {
      const id = idFromKey(obj.key);
      if (id) ids.push(id);
    }
    return ids;
  }

  async listFiles(kind: FileKind): Promise<Array<{ id: string; size: number }>> {
    const out: Array<{ id: string; size: number }> = [];
    for await (const obj of this.store.list(kindPrefix(kind))) {
      const id = idFromKey(obj.key);
      if (id) out.push({ id, size: obj.size });
    }
    return out;
  }

  /** Seals `value` as an unpacked file of `kind` and stores it; returns its id. */
  async saveUnpacked(kind: 'index' | 'snapshots' | 'locks', value: unknown): Promise<string> {
    const { id, bytes } = encodeUnpacked(value, this.key, this.config.version);
    await this.store.put(fileKey(kind, id), bytes, { contentLength: bytes.length });
    return id;
  }

  async loadUnpacked<T>(kind: 'index' | 'snapshots' | 'locks', id: string): Promise<T> {
    const bytes = (await this.#prefetch?.take(kind, id)) ?? (await this.store.getBuffer(fileKey(kind, id)));
    if (createHash('sha256').update(bytes).digest('hex') !== id) {
      throw new LifeboatError('Corrupt', `${kind}/${id}: content does not match its name`);
    }
    return decodeUnpacked<T>(bytes, this.key);
  }

  async deleteFile(kind: FileKind, id: string): Promise<void> {
    await this.store.delete(fileKey(kind, id));
  }

  /** Loads every index file not yet loaded into `index`. */
  async loadIndex(): Promise<MasterIndex> {
    const ids = await this.listIds('index');
    await mapLimit(ids, 8, async (id) => {
      if (this.#loadedIndexFiles.has(id)) return;
      const json = await this.loadUnpacked<IndexFileJSON>('index', id);
      for (const pack of decodeIndexFile(json, `index/${id}`).packs) this.index.add(pack);
      this.#loadedIndexFiles.add(id);
    });
    this.#indexLoaded = true;
    return this.index;
  }

  get indexLoaded(): boolean {
    return this.#indexLoaded;
  }

  /** Records a newly written index file (so a later `loadIndex` does not read it again). */
  noteIndexFile(id: string, packs: readonly PackContents[]): void {
    this.#loadedIndexFiles.add(id);
    for (const p of packs) this.index.add(p);
  }

  /** Reads and decodes a pack's header from the store. */
  async readPackHeader(packId: string, size?: number): Promise<PackedBlob[]> {
    const key = fileKey('data', packId);
    const packSize = size ?? (await this.store.stat(key)).size;
    const eager = Math.min(packSize, EAGER_TAIL);
    let tail = await this.store.getRange(key, packSize - eager, eager);
    const span = headerSpan(tail, packSize, key);
    if (span > tail.length) tail = await this.store.getRange(key, packSize - span, span);
    return decodePackHeader(tail, this.key, packSize, key);
  }

  /** Opens one sealed blob and checks it against its id. */
  openBlob(type: BlobType, id: string, sealed: Uint8Array, uncompressedLength?: number): Buffer {
    let plain = this.key.open(sealed);
    if (uncompressedLength !== undefined) plain = decompress(plain);
    if (createHash('sha256').update(plain).digest('hex') !== id) {
      throw new LifeboatError('Corrupt', `${type} blob ${id} does not match its id`);
    }
    return plain;
  }

  /** Loads one blob through the index, verified. Throws `NotFound` if no index knows it. */
  async loadBlob(type: BlobType, id: string): Promise<Buffer> {
    if (!this.#indexLoaded) await this.loadIndex();
    const loc = this.index.lookup(type, id);
    if (!loc) throw new LifeboatError('NotFound', `${type} blob ${id} is not in the index`);
    const sealed = await this.store.getRange(fileKey('data', loc.packId), loc.offset, loc.length);
    if (sealed.length !== loc.length) {
      throw new LifeboatError('Corrupt', `pack ${loc.packId} is truncated (blob ${id})`);
    }
    try {
      return this.openBlob(type, id, sealed, loc.uncompressedLength);
    } catch (err) {
      if (isLifeboatError(err, 'Corrupt')) {
        throw new LifeboatError('Corrupt', `pack ${loc.packId}: ${type} blob ${id} is damaged`, {
          cause: err,
        });
      }
      throw err;
    }
  }

  async loadTree(id: string): Promise<TreeNode[]> {
    return decodeTree(await this.loadBlob('tree', id), id);
  }

  async saveSnapshot(snapshot: SnapshotJSON): Promise<string> {
    return this.saveUnpacked('snapshots', canonicalSnapshot(snapshot));
  }

  async loadSnapshot(id: string): Promise<Snapshot> {
    const json = await this.loadUnpacked<SnapshotJSON>('snapshots', id);
    return { ...json, id };
  }

  /** All snapshots, oldest first. */
  async listSnapshots(): Promise<Snapshot[]> {
    const ids = await this.listIds('snapshots');
    const snaps = await mapLimit(ids, 8, (id) => this.loadSnapshot(id));
    return snaps.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  }

  /** A snapshot by full id, unique id prefix, or `latest`. */
  async findSnapshot(ref: string): Promise<Snapshot> {
    if (ref === 'latest') {
      const all = await this.listSnapshots();
      const last = all.at(-1);
      if (!last) throw new LifeboatError('NotFound', 'the repository has no snapshots');
      return last;
    }
    const ids = (await this.listIds('snapshots')).filter((id) => id.startsWith(ref));
    if (ids.length === 0) throw new LifeboatError('NotFound', `no snapshot matches ${ref}`);
    if (ids.length > 1) throw new LifeboatError('Invalid', `snapshot prefix ${ref} is ambiguous`);
    return this.loadSnapshot(ids[0]);
  }
}

/**
 * Creates a repository in an empty location: a master key sealed by `password` in `keys/`, then `config`.
 * Refuses when a config or key already exists.
 */
export async function initRepository(
  store: ObjectStore,
  password: string,
  options: InitOptions = {},
): Promise<Repository> {
  if (!password) throw new LifeboatError('Invalid', 'a repository password is required');
  if (await store.exists(CONFIG_KEY))
    throw new LifeboatError('AlreadyExists', 'repository already initialized (config exists)');
  for await (const _ of store.list('keys/')) {
    throw new LifeboatError('AlreadyExists', 'repository already contains keys');
  }
  const master = MasterKey.random();
  const hostname = options.hostname ?? osHostname();
  const username = options.username ?? safeUsername();
  const kf = await createKeyFile(password, master, { kdf: options.kdf, hostname, username });
  await store.put(fileKey('keys', kf.id), kf.bytes, { ifNoneMatch: true });
  const config = newConfig();
  const sealed = encodeConfig(config, master);
  await store.put(CONFIG_KEY, sealed, { ifNoneMatch: true });
  return new Repository(store, master, kf.id, config, { ...options, hostname, username });
}

/**
 * Opens a repository with `password`, trying each key file. A password that opens no key fails with one
 * line: `wrong password or no key found` (code `PermissionDenied`).
 */
export async function openRepository(
  store: ObjectStore,
  password: string,
  options: RepositoryOptions = {},
): Promise<Repository> {
  const prefetch =
    options.prefetch === false ? undefined : new FilePrefetch(store, ['index', 'snapshots', 'locks']);
  try {
    const [sealedConfig, keyIds] = await Promise.all([
      store.getBuffer(CONFIG_KEY).catch((err: unknown) => {
        if (isLifeboatError(err, 'NotFound'))
          throw new LifeboatError('NotFound', 'no repository here (config not found)');
        throw err;
      }),
      listKeyIds(store),
    ]);
    for (const id of keyIds) {
      const file = parseKeyFile(await store.getBuffer(fileKey('keys', id)));
      const master = await openKeyFile(file, password);
      if (master) {
        const config = decodeConfig(sealedConfig, master);
        return new Repository(store, master, id, config, options, prefetch);
      }
    }
    throw new LifeboatError('PermissionDenied', 'wrong password or no key found');
  } catch (err) {
    prefetch?.clear();
    throw err;
  }
}

async function listKeyIds(store: ObjectStore): Promise<string[]> {
  const keyIds: string[] = [];
  for await (const obj of store.list('keys/')) {
    const id = idFromKey(obj.key);
    if (id) keyIds.push(id);
  }
  return keyIds;
}

function safeUsername(): string {
  try {
    return userInfo().username;
  } catch {
    return '';
  }
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
  return out;
}
