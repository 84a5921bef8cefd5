/**
 * A set of strings kept in sorted order, split into bounded chunks so that an insert or delete moves at most
 * one chunk's worth of pointers (a flat sorted array of 200,000 keys would move ~1.6 MB per insert), and a
 * page starting at any key costs a binary search plus the page itself.
 */
const MAX_CHUNK = 256;

export class SortedKeys {
  #chunks: string[][] = [];
  /** Each chunk's first key, side by side: the chunk search reads one array instead of every chunk. */
  #firsts: string[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Adds `key`; returns false when it was already present. */
  insert(key: string): boolean {
    if (this.#chunks.length === 0) {
      this.#chunks.push([key]);
      this.#firsts.push(key);
      this.#size = 1;
      return true;
    }
    const c = this.#chunkFor(key);
    const chunk = this.#chunks[c];
    const i = lowerBound(chunk, key);
    if (chunk[i] === key) return false;
    // Shifting by hand: splice allocates a result array on every call.
    for (let j = chunk.length; j > i; j--) chunk[j] = chunk[j - 1];
    chunk[i] = key;
    if (i === 0) this.#firsts[c] = key;
    this.#size++;
    if (chunk.length > MAX_CHUNK) {
      const upper = chunk.splice(chunk.length >> 1);
      this.#chunks.splice(c + 1, 0, upper);
      this.#firsts.splice(c + 1, 0, upper[0]);
    }
    return true;
  }

  /** Removes `key`; returns false when it was absent. */
  delete(key: string): boolean {
    if (this.#chunks.length === 0) return false;
    const c = this.#chunkFor(key);
    const chunk = this.#chunks[c];
    const i = lowerBound(chunk, key);
    if (chunk[i] !== key) return false;
    const last = chunk.length - 1;
    for (let j = i; j < last; j++) chunk[j] = chunk[j + 1];
    chunk.pop();
    this.#size--;
    if (chunk.length === 0) {
      this.#chunks.splice(c, 1);
      this.#firsts.splice(c, 1);
    } else if (i === 0) this.#firsts[c] = chunk[0];
    return true;
  }

  has(key: string): boolean {
    if (this.#chunks.length === 0) return false;
    const chunk = this.#chunks[this.#chunkFor(key)];
    return chunk[lowerBound(chunk, key)] === key;
  }

  /** The number of keys strictly less than `key`. */
  rank(key: string): number {
    if (this.#chunks.length === 0) return 0;
    const c = this.#chunkFor(key);
    let n = 0;
    for (let j = 0; j < c; j++) n += this.#chunks[j].length;
    return n + lowerBound(this.#chunks[c], key);
  }

  /**
   * Visits keys in order, starting at the first key ≥ `start` (or > `start` when `exclusive`), until `visit`
   * returns false or the keys run out.
   */
  scan(start: string, exclusive: boolean, visit: (key: string) => boolean): void {
    if (this.#chunks.length === 0) return;
    let c = this.#chunkFor(start);
    let i = exclusive ? upperBound(this.#chunks[c], start) : lowerBound(this.#chunks[c], start);
    for (; c < this.#chunks.length; c++, i = 0) {
      const chunk = this.#chunks[c];
      for (; i < chunk.length; i++) if (!visit(chunk[i])) return;
    }
  }

  /** The index of the chunk whose range holds `key`: the last chunk whose first key is ≤ `key`, or the first. */
  #chunkFor(key: string): number {
    const firsts = this.#firsts;
    let lo = 0;
    let hi = firsts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (firsts[mid] <= key) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

function lowerBound(a: string[], key: string): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(a: string[], key: string): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
