import type { ObjectStore } from '../../storage/object-store.ts';
import { type FileKind, fileKey, idFromKey, kindPrefix } from './layout.ts';

/** The kinds worth reading ahead: small files that backup, restore and most commands read right after open. */
export type PrefetchKind = 'index' | 'snapshots' | 'locks';

export interface PrefetchOptions {
  /** Stop starting reads once this many bytes are in (listed sizes). */
  maxBytes?: number;
  /** Reads in flight. */
  concurrency?: number;
  /** Unused bytes are dropped after this long. */
  ttlMs?: number;
}

/**
 * Reads index, snapshot and lock files while the key is being derived (scrypt keeps the thread pool busy for a
 * tenth of a second or more, and the main thread idle), so opening a repository on a remote store does not pay
 * those round trips afterwards. Files are named by the SHA-256 of their content, so bytes read early are the
 * bytes of that id forever; callers still list afresh and only take bytes for the ids they list. Each cached
 * file is handed out once; what is not taken is dropped after `ttlMs`.
 */
export class FilePrefetch {
  readonly #cache = new Map<string, Promise<Buffer | undefined>>();
  #timer: NodeJS.Timeout | undefined;

  constructor(store: ObjectStore, kinds: readonly PrefetchKind[], options: PrefetchOptions = {}) {
    const maxBytes = options.maxBytes ?? 64 << 20;
    const concurrency = options.concurrency ?? 8;
    let budget = maxBytes;
    const queue: Array<{ kind: FileKind; id: string }> = [];
    let running = 0;
    const pump = () => {
      while (running < concurrency && queue.length > 0) {
        const { kind, id } = queue.shift() as { kind: FileKind; id: string };
        running++;
        const read = store.getBuffer(fileKey(kind, id)).then(
          (b) => b,
          () => undefined,
        );
        this.#cache.set(fileKey(kind, id), read);
        void read.finally(() => {
          running--;
          pump();
        });
      }
    };
    for (const kind of kinds) {
      void (async () => {
        try {
          for await (const obj of store.list(kindPrefix(kind))) {
            const id = idFromKey(obj.key);
            if (!id || obj.size > budget) continue;
            budget -= obj.size;
            queue.push({ kind, id });
            pump();
          }
        } catch {
          // a failed listing only means nothing is read ahead; the real reads report errors
        }
      })();
    }
    this.#timer = setTimeout(() => this.clear(), options.ttlMs ?? 30_000);
    this.#timer.unref();
  }

  /** The bytes read ahead for `kind`/`id`, once; `undefined` when there are none (read it yourself). */
  take(kind: FileKind, id: string): Promise<Buffer | undefined> | undefined {
    const key = fileKey(kind, id);
    const hit = this.#cache.get(key);
    if (hit) this.#cache.delete(key);
    return hit;
  }

  clear(): void {
    this.#cache.clear();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
