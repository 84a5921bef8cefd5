import type { LogClock } from './timestamps.ts';
import type { LogEntry } from './types.ts';

/**
 * The log of one container instance: a bounded buffer of timestamped lines (the oldest are dropped past
 * `maxLines` or `maxBytes`, as a kubelet rotates its log files) and the followers of new lines.
 */
export type LogLimits = { maxLines: number; maxBytes: number };

export const DEFAULT_LOG_LIMITS: LogLimits = { maxLines: 10_000, maxBytes: 10 * 1024 * 1024 };

/** Lines longer than this are split, as the CRI log format splits long lines into partial entries. */
export const MAX_LINE_BYTES = 16 * 1024;

type StoredEntry = LogEntry & { nanos: bigint; bytes: number };
type Follower = { onLine: (entry: LogEntry) => void; onEnd?: () => void };

export class ContainerLog {
  readonly #clock: LogClock;
  readonly #limits: LogLimits;
  #entries: StoredEntry[] = [];
  #start = 0;
  #bytes = 0;
  #ended = false;
  readonly #followers = new Set<Follower>();

  constructor(clock: LogClock, limits: LogLimits = DEFAULT_LOG_LIMITS) {
    this.#clock = clock;
    this.#limits = limits;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Appends one line (without its newline) and hands it to every follower. Ignored once the log has ended. */
  append(line: string, stream: 'stdout' | 'stderr' = 'stdout'): void {
    if (this.#ended) return;
    const time = this.#clock.next();
    const entry: StoredEntry = {
      time: time.text,
      line,
      stream,
      nanos: time.nanos,
      bytes: Buffer.byteLength(line) + 1,
    };
    this.#entries.push(entry);
    this.#bytes += entry.bytes;
    this.#trim();
    const visible: LogEntry = { time: entry.time, line, stream };
    for (const f of this.#followers) f.onLine(visible);
  }

  /** The retained lines, oldest first, optionally only those at or after `sinceNanos`. */
  entries(sinceNanos?: bigint): LogEntry[] {
    const out: LogEntry[] = [];
    for (let i = this.#start; i < this.#entries.length; i++) {
      const e = this.#entries[i];
      if (sinceNanos !== undefined && e.nanos < sinceNanos) continue;
      out.push({ time: e.time, line: e.line, stream: e.stream });
    }
    return out;
  }

  /** Subscribes to new lines; `onEnd` fires once when the log ends (at once, asynchronously, if it has). */
  follow(onLine: (entry: LogEntry) => void, onEnd?: () => void): () => void {
    if (this.#ended) {
      if (onEnd) queueMicrotask(onEnd);
      return () => {};
    }
    const follower: Follower = { onLine, onEnd };
    this.#followers.add(follower);
    return () => {
      this.#followers.delete(follower);
    };
  }

  /** Marks the instance as finished: followers get `onEnd` and are dropped. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    const followers = [...this.#followers];
    this.#followers.clear();
    for (const f of followers) f.onEnd?.();
  }

  #trim(): void {
    while (
      this.#entries.length - this.#start > this.#limits.maxLines ||
      (this.#bytes > this.#limits.maxBytes && this.#entries.length - this.#start > 1)
    ) {
      this.#bytes -= this.#entries[this.#start].bytes;
      this.#start++;
    }
    // Compact now and then so the array does not grow without bound (amortised O(1) per line).
    if (this.#start > 1024 && this.#start * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#start);
      this.#start = 0;
    }
  }
}

/**
 * Splits a byte stream into lines for a `ContainerLog`: complete lines as they arrive, over-long lines in
 * pieces of at most `MAX_LINE_BYTES`, and whatever is left when the stream ends (`flush`).
 */
export class LineSplitter {
  #pending: Buffer = Buffer.alloc(0);
  readonly #emit: (line: string) => void;

  constructor(emit: (line: string) => void) {
    this.#emit = emit;
  }

  push(chunk: Buffer): void {
    let data = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
    for (;;) {
      const nl = data.indexOf(0x0a);
      if (nl < 0) break;
      this.#emitLine(data.subarray(0, nl));
      data = data.subarray(nl + 1);
    }
    while (data.length > MAX_LINE_BYTES) {
      this.#emit(data.subarray(0, MAX_LINE_BYTES).toString('utf8'));
      data = data.subarray(MAX_LINE_BYTES);
    }
    this.#pending = Buffer.from(data);
  }

  flush(): void {
    if (this.#pending.length > 0) this.#emitLine(this.#pending);
    this.#pending = Buffer.alloc(0);
  }

  #emitLine(bytes: Buffer): void {
    let rest = bytes;
    while (rest.length > MAX_LINE_BYTES) {
      this.#emit(rest.subarray(0, MAX_LINE_BYTES).toString('utf8'));
      rest = rest.subarray(MAX_LINE_BYTES);
    }
    this.#emit(rest.toString('utf8'));
  }
}
