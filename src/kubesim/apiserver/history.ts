/**
 * The watch history: the most recent write events, bounded by count, like etcd's compacted revision window.
 * A watch or paged list that starts below the floor cannot be served consistently and gets 410 Expired.
 */
export class EventHistory<E extends { readonly rv: number }> {
  readonly #buf: (E | undefined)[];
  #start = 0;
  #count = 0;
  #floor: number;

  /** `floor` is the resourceVersion the history starts after (events with a larger rv are all retained). */
  constructor(capacity: number, floor: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('history capacity must be ≥ 1');
    this.#buf = new Array(capacity);
    this.#floor = floor;
  }

  get capacity(): number {
    return this.#buf.length;
  }

  get size(): number {
    return this.#count;
  }

  /** Every event with rv > floor is retained; a start point below it has been compacted away. */
  get floor(): number {
    return this.#floor;
  }

  /** The oldest retained rv, or floor + 1 when empty: what a 410 message reports as still available. */
  get oldest(): number {
    return this.#count === 0 ? this.#floor + 1 : this.#buf[this.#start]!.rv;
  }

  /** Appends an event; events must arrive in increasing rv order. */
  push(event: E): void {
    const cap = this.#buf.length;
    if (this.#count === cap) {
      const evicted = this.#buf[this.#start]!;
      this.#floor = evicted.rv;
      this.#buf[this.#start] = event;
      this.#start = (this.#start + 1) % cap;
      return;
    }
    this.#buf[(this.#start + this.#count) % cap] = event;
    this.#count++;
  }

  /** Whether history still covers everything after `rv`. */
  covers(rv: number): boolean {
    return rv >= this.#floor;
  }

  /** Events with rv > `after` in order, or undefined when `after` is below the floor. */
  since(after: number): E[] | undefined {
    if (after < this.#floor) return undefined;
    const cap = this.#buf.length;
    // Binary search over the ring for the first event with rv > after.
    let lo = 0;
    let hi = this.#count;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#buf[(this.#start + mid) % cap]!.rv <= after) lo = mid + 1;
      else hi = mid;
    }
    const out: E[] = [];
    for (let i = lo; i < this.#count; i++) out.push(this.#buf[(this.#start + i) % cap]!);
    return out;
  }
}
