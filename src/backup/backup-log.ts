import { createGzip, type Gzip } from 'node:zlib';
import { type Logger, pino } from 'pino';

/**
 * The backup's own log (`<B>-logs.gz`): JSON lines, gzip-compressed in memory as the backup runs, and
 * mirrored to the server's logger. Messages name items (resource, namespace, name), never their contents,
 * so a Secret's data cannot reach a log.
 */
export class BackupLog {
  readonly #file: Logger;
  readonly #server: Logger;
  readonly #gzip: Gzip;
  readonly #chunks: Buffer[] = [];
  readonly #ended: Promise<void>;
  #closed = false;

  constructor(server: Logger, backupName: string) {
    this.#server = server.child({ backup: backupName });
    this.#gzip = createGzip();
    this.#gzip.on('data', (chunk: Buffer) => this.#chunks.push(chunk));
    this.#ended = new Promise((resolve, reject) => {
      this.#gzip.once('end', resolve);
      this.#gzip.once('error', reject);
    });
    this.#file = pino(
      { base: { backup: backupName }, timestamp: pino.stdTimeFunctions.isoTime, level: 'info' },
      this.#gzip,
    );
  }

  debug(fields: object, message: string): void {
    this.#server.debug(fields, message);
  }

  info(fields: object, message: string): void {
    this.#server.info(fields, message);
    if (!this.#closed) this.#file.info(fields, message);
  }

  warn(fields: object, message: string): void {
    this.#server.warn(fields, message);
    if (!this.#closed) this.#file.warn(fields, message);
  }

  error(fields: object, message: string): void {
    this.#server.error(fields, message);
    if (!this.#closed) this.#file.error(fields, message);
  }

  /** Whether `finish` was called; later messages reach the server's logger only. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Closes the log and returns its gzip bytes. */
  async finish(): Promise<Buffer> {
    this.#closed = true;
    this.#gzip.end();
    await this.#ended;
    return Buffer.concat(this.#chunks);
  }
}
