import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { LifeboatError } from '../core/errors.ts';

/**
 * Short-lived download tokens for `fs` locations, whose backend cannot sign URLs: the server signs
 * `{location, key, expiry}` with HMAC-SHA256 under a key only it holds, and serves the object to whoever
 * presents a valid, unexpired token. Nothing else is reachable through a token: the key is fixed inside it
 * and a changed byte breaks the MAC.
 *
 * Token text: `base64url(JSON payload) "." base64url(HMAC-SHA256(key, payload text))`.
 */

export interface DownloadGrant {
  /** The BackupStorageLocation's name. */
  location: string;
  /** The object's key relative to the location (its prefix not included). */
  key: string;
  /** Milliseconds since the epoch after which the token is refused. */
  expiresAt: number;
}

interface Payload {
  l: string;
  k: string;
  e: number;
}

const MIN_KEY_BYTES = 32;

export class DownloadTokens {
  readonly #key: Buffer;
  readonly #clock: Clock;

  /** `key`: at least 32 bytes of secret; a random one when omitted (tokens then die with the server). */
  constructor(clock: Clock, key?: Buffer) {
    if (key !== undefined && key.length < MIN_KEY_BYTES)
      throw new LifeboatError('Invalid', `the download signing key must be at least ${MIN_KEY_BYTES} bytes`);
    this.#key = key ?? randomBytes(MIN_KEY_BYTES);
    this.#clock = clock;
  }

  /** A token for `key` of `location`, valid for `ttlMs` from now. */
  sign(location: string, key: string, ttlMs: number): { token: string; expiresAt: Date } {
    const expiresAt = this.#clock.now().getTime() + ttlMs;
    const payload: Payload = { l: location, k: key, e: expiresAt };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return { token: `${body}.${this.#mac(body)}`, expiresAt: new Date(expiresAt) };
  }

  /**
   * The grant a token carries. Throws `PermissionDenied` for a token that was not made here or was altered,
   * and `Gone` for one that has expired; the messages never echo the token.
   */
  verify(token: string): DownloadGrant {
    const dot = token.indexOf('.');
    if (dot <= 0 || dot === token.length - 1) throw refused();
    const body = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.#mac(body), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw refused();
    let payload: Payload;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload;
    } catch {
      throw refused();
    }
    if (typeof payload.l !== 'string' || typeof payload.k !== 'string' || typeof payload.e !== 'number')
      throw refused();
    if (this.#clock.now().getTime() > payload.e)
      throw new LifeboatError('Gone', 'the download link has expired; ask for a new one', {
        retryable: false,
      });
    return { location: payload.l, key: payload.k, expiresAt: payload.e };
  }

  #mac(body: string): string {
    return createHmac('sha256', this.#key).update(body).digest('base64url');
  }
}

function refused(): LifeboatError {
  return new LifeboatError('PermissionDenied', 'the download link is not valid', { retryable: false });
}
