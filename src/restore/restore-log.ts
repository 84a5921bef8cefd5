import { createGzip, type Gzip } from 'node:zlib';
import type { Logger } from 'pino';

type Level = 'debug' | 'info' | 'warn' | 'error';
type Fields = Record<string, string | number | boolean | undefined>;

const FLUSH_BYTES = 64 * 1024;

/**
 * The restore's own log (uploaded gzip, JSON lines as pino writes them) mirrored into the server logger.
 * Per-item lines go to the server logger at debug level only, so a large restore does not flood it. Callers
 * pass names and messages, never object contents (Secret data must not reach a log).
 */
export class RestoreLog {
  readonly #logger: Logger;
  readonly #gzip: Gzip;
  readonly #chunks: Buffer[] = [];
  readonly #finished: Promise<void>;
  #pending: string[] = [];
  #pendingBytes = 0;
  readonly #now: () => Date;

  constructor(logger: Logger, now: () => Date) {
    this.#logger = logger;
    this.#now = now;
    this.#gzip = createGzip();
    this.#gzip.on('data', (c: Buffer) => this.#chunks.push(c));
    this.#finished = new Promise((resolve, reject) => {
      this.#gzip.on('end', () => resolve());
      this.#gzip.on('error', reject);
    });
  }

  debug(msg: string, fields: Fields = {}): void {
    this.#write('debug', msg, fields, false);
  }

  /** An item-level line: in the restore log at info, in the server log at debug. */
  item(msg: string, fields: Fields = {}): void {
    this.#write('info', msg, fields, false);
  }

  info(msg: string, fields: Fields = {}): void {
    this.#write('info', msg, fields, true);
  }

  warn(msg: string, fields: Fields = {}): void {
    this.#write('warn', msg, fields, true);
  }

  error(msg: string, fields: Fields = {}): void {
    this.#write('error', msg, fields, true);
  }

  /** Ends the log and returns its gzip bytes. */
  async finish(): Promise<Buffer> {
    this.#flush();
    this.#gzip.end();
    await this.#finished;
    return Buffer.concat(this.#chunks);
  }

  #write(level: Level, msg: string, fields: Fields, mirror: boolean): void {
    if (mirror) this.#logger[level](fields, msg);
    else this.#logger.debug(fields, msg);
    if (level === 'debug') return;
    const line = `${JSON.stringify({ level, time: this.#now().toISOString(), msg, ...fields })}\n`;
    this.#pending.push(line);
    this.#pendingBytes += line.length;
    if (this.#pendingBytes >= FLUSH_BYTES) this.#flush();
  }

  #flush(): void {
    if (this.#pending.length === 0) return;
    this.#gzip.write(this.#pending.join(''));
    this.#pending = [];
    this.#pendingBytes = 0;
  }
}
