import { isLifeboatError, LifeboatError } from '../../core/errors.ts';
import { decodeIndexFile, type IndexFileJSON, type PackContents } from '../format/index.ts';
import { type BlobType, entrySize, HEADER_OVERHEAD, type PackedBlob } from '../format/pack.ts';
import { decodeTree, type TreeNode } from '../format/tree.ts';
import { fileKey } from '../repo/layout.ts';
import { mapLimit, type Repository } from '../repo/repository.ts';

/** One index file as stored: its id, the packs it lists, and the index files it says it replaces. */
export interface IndexFile {
  id: string;
  packs: PackContents[];
  supersedes: string[];
}

export interface IndexFileProblem {
  id: string;
  message: string;
}

/** A stored copy of a blob. */
export interface BlobCopy extends PackedBlob {
  packId: string;
}

/** `d<id>` or `t<id>`: one string per (type, id), for sets and maps of blobs. */
export type BlobHandle = string;

export function blobHandle(type: BlobType, id: string): BlobHandle {
  return (type === 'data' ? 'd' : 't') + id;
}

export function parseBlobHandle(h: BlobHandle): { type: BlobType; id: string } {
  return { type: h[0] === 'd' ? 'data' : 'tree', id: h.slice(1) };
}

/** The size a pack holding exactly `blobs` has: the blobs, the sealed header and its length field. */
export function expectedPackSize(blobs: readonly PackedBlob[]): number {
  let size = HEADER_OVERHEAD;
  for (const b of blobs) size += b.length + entrySize(b);
  return size;
}

/**
 * Reads every index file, each on its own, so the maintenance commands see what is really stored: every copy of
 * a duplicated blob, packs listed by several index files, and which index files fail to load. (The repository's
 * own `MasterIndex` keeps one location per blob and stops at the first bad file, which is what reads want and
 * not what prune and check need.)
 */
export async function loadIndexFiles(
  repo: Repository,
): Promise<{ files: IndexFile[]; problems: IndexFileProblem[] }> {
  const ids = await repo.listIds('index');
  const problems: IndexFileProblem[] = [];
  const loaded = await mapLimit(ids, 8, async (id): Promise<IndexFile | undefined> => {
    try {
      const json = await repo.loadUnpacked<IndexFileJSON>('index', id);
      const { packs, supersedes } = decodeIndexFile(json, `index/${id}`);
      return { id, packs, supersedes };
    } catch (err) {
      if (!isLifeboatError(err) || err.code === 'Unavailable') throw err;
      problems.push({ id, message: err.message });
      return undefined;
    }
  });
  return { files: loaded.filter((f): f is IndexFile => f !== undefined), problems };
}

/**
 * Every index file merged into per-pack and per-blob tables. A pack listed by several index files (as a prune
 * interrupted between writing the new index and deleting the old one leaves it) appears once, with the union of
 * the entries; a blob stored in several packs keeps all its copies.
 */
export class IndexView {
  readonly files: readonly IndexFile[];
  /** Pack id → its blobs in offset order. */
  readonly packs = new Map<string, PackedBlob[]>();
  /** Pack id → the index files that list it. */
  readonly packIndexFiles = new Map<string, string[]>();
  readonly #copies = new Map<BlobHandle, BlobCopy[]>();

  constructor(files: readonly IndexFile[]) {
    this.files = files;
    const seen = new Map<string, Set<string>>();
    for (const file of files) {
      for (const pack of file.packs) {
        let blobs = this.packs.get(pack.packId);
        let entries = seen.get(pack.packId);
        if (!blobs || !entries) {
          blobs = [];
          entries = new Set();
          this.packs.set(pack.packId, blobs);
          seen.set(pack.packId, entries);
          this.packIndexFiles.set(pack.packId, []);
        }
        this.packIndexFiles.get(pack.packId)?.push(file.id);
        for (const b of pack.blobs) {
          const entry = `${b.type}:${b.id}:${b.offset}:${b.length}`;
          if (entries.has(entry)) continue;
          entries.add(entry);
          blobs.push(b);
          const h = blobHandle(b.type, b.id);
          const copies = this.#copies.get(h);
          const copy: BlobCopy = { ...b, packId: pack.packId };
          if (copies) copies.push(copy);
          else this.#copies.set(h, [copy]);
        }
      }
    }
    for (const blobs of this.packs.values()) blobs.sort((a, b) => a.offset - b.offset);
  }

  static async load(repo: Repository): Promise<{ view: IndexView; problems: IndexFileProblem[] }> {
    const { files, problems } = await loadIndexFiles(repo);
    return { view: new IndexView(files), problems };
  }

  /** Every stored copy of a blob (empty when no index knows it). */
  copies(type: BlobType, id: string): readonly BlobCopy[] {
    return this.#copies.get(blobHandle(type, id)) ?? [];
  }

  has(type: BlobType, id: string): boolean {
    return this.#copies.has(blobHandle(type, id));
  }

  /** Every blob with all its copies. */
  blobs(): IterableIterator<[BlobHandle, BlobCopy[]]> {
    return this.#copies.entries();
  }

  get blobCount(): number {
    return this.#copies.size;
  }

  /**
   * Loads one blob, verified against its id, trying each copy in turn (a damaged copy does not hide an intact
   * one). Throws `NotFound` when no index knows the blob, else the last copy's error.
   */
  async loadBlob(
    repo: Repository,
    type: BlobType,
    id: string,
    skipPacks?: ReadonlySet<string>,
  ): Promise<Buffer> {
    const copies = this.copies(type, id).filter((c) => !skipPacks?.has(c.packId));
    if (copies.length === 0) throw new LifeboatError('NotFound', `${type} blob ${id} is not in any index`);
    let last: unknown;
    for (const c of copies) {
      try {
        const sealed = await repo.store.getRange(fileKey('data', c.packId), c.offset, c.length);
        if (sealed.length !== c.length) {
          throw new LifeboatError('Corrupt', `pack ${c.packId} is truncated (${type} blob ${id})`);
        }
        return repo.openBlob(type, id, sealed, c.uncompressedLength);
      } catch (err) {
        if (isLifeboatError(err, 'Unavailable')) throw err;
        last = isLifeboatError(err)
          ? new LifeboatError(err.code, `pack ${c.packId}: ${err.message}`, { cause: err })
          : err;
      }
    }
    throw last;
  }

  async loadTree(repo: Repository, id: string, skipPacks?: ReadonlySet<string>): Promise<TreeNode[]> {
    return decodeTree(await this.loadBlob(repo, 'tree', id, skipPacks), id);
  }
}
