import { LifeboatError } from '../../core/errors.ts';
import type { BlobType, PackedBlob } from './pack.ts';

/** One index file's JSON. restic ≤ 0.16 writes `supersedes`; later versions dropped it. */
export interface IndexFileJSON {
  supersedes?: string[];
  packs: Array<{
    id: string;
    blobs: Array<{
      id: string;
      type: BlobType;
      offset: number;
      length: number;
      uncompressed_length?: number;
    }>;
  }>;
}

export interface PackContents {
  packId: string;
  blobs: PackedBlob[];
}

/** restic starts a new index file at this many blobs; readers accept any size. */
export const INDEX_MAX_BLOBS = 50_000;

export function encodeIndexFile(
  packs: readonly PackContents[],
  supersedes: readonly string[] = [],
): IndexFileJSON {
  const json: IndexFileJSON = { packs: [] };
  if (supersedes.length > 0) json.supersedes = [...supersedes];
  for (const p of packs) {
    json.packs.push({
      id: p.packId,
      blobs: p.blobs.map((b) => {
        const out: IndexFileJSON['packs'][number]['blobs'][number] = {
          id: b.id,
          type: b.type,
          offset: b.offset,
          length: b.length,
        };
        if (b.uncompressedLength !== undefined) out.uncompressed_length = b.uncompressedLength;
        return out;
      }),
    });
  }
  if (supersedes.length === 0) delete json.supersedes;
  return json;
}

export function decodeIndexFile(
  json: IndexFileJSON,
  name = 'index',
): { packs: PackContents[]; supersedes: string[] } {
  if (!json || !Array.isArray(json.packs)) throw new LifeboatError('Corrupt', `${name}: no packs array`);
  const packs = json.packs.map((p) => ({
    packId: p.id,
    blobs: (p.blobs ?? []).map((b) => {
      if (b.type !== 'data' && b.type !== 'tree')
        throw new LifeboatError('Corrupt', `${name}: bad blob type ${b.type}`);
      const out: PackedBlob = { type: b.type, id: b.id, offset: b.offset, length: b.length };
      if (b.uncompressed_length) out.uncompressedLength = b.uncompressed_length;
      return out;
    }),
  }));
  return { packs, supersedes: json.supersedes ?? [] };
}

/** Where a blob lives. */
export interface BlobLocation {
  packId: string;
  type: BlobType;
  offset: number;
  length: number;
  uncompressedLength?: number;
}

/**
 * The in-memory union of all index files: blob (type, id) → where it is stored. A blob stored twice keeps its
 * first location (any copy is valid). Memory: one small object per blob.
 */
export class MasterIndex {
  readonly #data = new Map<string, BlobLocation>();
  readonly #tree = new Map<string, BlobLocation>();
  readonly #packs = new Map<string, number>();

  add(pack: PackContents): void {
    this.#packs.set(pack.packId, (this.#packs.get(pack.packId) ?? 0) + pack.blobs.length);
    for (const b of pack.blobs) {
      const map = b.type === 'data' ? this.#data : this.#tree;
      if (map.has(b.id)) continue;
      const loc: BlobLocation = { packId: pack.packId, type: b.type, offset: b.offset, length: b.length };
      if (b.uncompressedLength !== undefined) loc.uncompressedLength = b.uncompressedLength;
      map.set(b.id, loc);
    }
  }

  has(type: BlobType, id: string): boolean {
    return (type === 'data' ? this.#data : this.#tree).has(id);
  }

  lookup(type: BlobType, id: string): BlobLocation | undefined {
    return (type === 'data' ? this.#data : this.#tree).get(id);
  }

  /** Plaintext size of a blob (uncompressed length, or sealed length minus the crypto overhead). */
  plainSize(type: BlobType, id: string): number | undefined {
    const loc = this.lookup(type, id);
    if (!loc) return undefined;
    return loc.uncompressedLength ?? loc.length - 32;
  }

  hasPack(packId: string): boolean {
    return this.#packs.has(packId);
  }

  packIds(): IterableIterator<string> {
    return this.#packs.keys();
  }

  *blobs(): IterableIterator<[string, BlobLocation]> {
    yield* this.#data;
    yield* this.#tree;
  }

  get size(): number {
    return this.#data.size + this.#tree.size;
  }
}
