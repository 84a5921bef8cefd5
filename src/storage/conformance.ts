import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { setImmediate } from 'node:timers/promises';
import { isLifeboatError } from '../core/errors.ts';
import { readAll } from './body.ts';
import { compareKeys } from './keys.ts';
import type { ObjectStore } from './object-store.ts';

/** A backend under test: how to get a fresh, empty store for each test, and how to clean up at the end. */
export interface ConformanceTarget {
  name: string;
  /** A new store over an empty bucket/container/directory; called once per test. */
  create(): Promise<ObjectStore>;
  /** Called once after the last test: stop servers, remove directories. */
  cleanup(): Promise<void>;
  /**
   * What the service does with create-if-absent puts. `enforced` (the default) is the contract; `ignored` is
   * for a service documented not to support it (s3rver overwrites), and the suite then asserts exactly that,
   * so a change in the service's behaviour is noticed.
   */
  ifNoneMatch?: 'enforced' | 'ignored';
  /** Whether `signedUrl` makes URLs plain `fetch` can read (default true); otherwise it must throw `Unavailable`. */
  signedUrls?: boolean;
  /**
   * Keys for the pagination test (default 1100, more than S3's 1000-key page). A run whose store is built with
   * a small list page size may use fewer and still cross several pages.
   */
  manyKeys?: number;
  /**
   * How the service orders keys with characters above U+FFFF. `utf8` (the default, S3's byte order) is the
   * contract; `utf16` is for a service documented to compare UTF-16 code units instead (Azurite, which
   * compares JavaScript strings), and the suite then asserts that order. Only keys mixing characters above
   * U+FFFF with ones in U+E000–U+FFFF at the same position sort differently; Lifeboat's own keys are ASCII.
   */
  listOrder?: 'utf8' | 'utf16';
}

const MiB = 1024 * 1024;
/** More keys than one S3 list page (1000); Azure's default page is 5000, so its test sets a smaller page size. */
const DEFAULT_MANY = 1100;

/**
 * Registers the ObjectStore contract tests (object-store.ts) for one backend under `describe(target.name)`.
 * Every backend's test file calls this; a backend is done when it passes.
 */
export function runObjectStoreConformance(target: ConformanceTarget): void {
  const MANY = target.manyKeys ?? DEFAULT_MANY;
  describe(`ObjectStore conformance: ${target.name}`, { timeout: 240_000 }, () => {
    after(() => target.cleanup());

    test('names its provider', async () => {
      const store = await target.create();
      assert.match(store.provider, /^[a-z0-9-]+$/);
    });

    test('round-trips small bodies of every accepted type', async () => {
      const store = await target.create();
      await store.put('small/string', 'hello, lifeboat');
      await store.put('small/buffer', Buffer.from([0, 1, 2, 255]));
      await store.put('small/uint8', new Uint8Array([9, 8, 7]));
      await store.put('small/stream', Readable.from([Buffer.from('str'), Buffer.from('eam')]), {
        contentType: 'text/plain',
      });
      await store.put('small/empty', Buffer.alloc(0));
      await store.put('small/ünïcødé ✓ key', 'u');
      assert.equal((await store.getBuffer('small/string')).toString(), 'hello, lifeboat');
      assert.deepEqual([...(await store.getBuffer('small/buffer'))], [0, 1, 2, 255]);
      assert.deepEqual([...(await store.getBuffer('small/uint8'))], [9, 8, 7]);
      assert.equal((await readAll(await store.get('small/stream'))).toString(), 'stream');
      assert.equal((await store.getBuffer('small/empty')).length, 0);
      assert.equal((await store.stat('small/empty')).size, 0);
      assert.equal((await store.getBuffer('small/ünïcødé ✓ key')).toString(), 'u');
    });

    test('round-trips a 12 MiB body (multipart-sized): streamed with and without a known length, and in memory', async () => {
      const store = await target.create();
      const data = randomBytes(12 * MiB + 12345);
      await store.put('big/unknown-length', chunked(data, 64 * 1024));
      await store.put('big/known-length', chunked(data, 1000 * 1000), { contentLength: data.length });
      await store.put('big/in-memory', data);
      for (const key of ['big/unknown-length', 'big/known-length', 'big/in-memory']) {
        assert.equal((await store.stat(key)).size, data.length, key);
        assert.equal(sha256(await readAll(await store.get(key))), sha256(data), `${key} via get`);
        assert.equal(sha256(await store.getBuffer(key)), sha256(data), `${key} via getBuffer`);
      }
      // A range across the 5 MiB and 8 MiB marks, where multipart uploads split parts.
      const from = 5 * MiB - 100;
      assert.deepEqual(
        await store.getRange('big/unknown-length', from, 3 * MiB + 200),
        data.subarray(from, 8 * MiB + 100),
      );
    });

    test('reads ranges, shortened only by the end of the object', async () => {
      const store = await target.create();
      const data = Buffer.from('0123456789abcdefghij');
      await store.put('range/obj', data);
      assert.equal((await store.getRange('range/obj', 0, 4)).toString(), '0123');
      assert.equal((await store.getRange('range/obj', 10, 5)).toString(), 'abcde');
      assert.equal((await store.getRange('range/obj', 15, 100)).toString(), 'fghij', 'past the end');
      assert.equal((await store.getRange('range/obj', 0, 20)).toString(), data.toString(), 'exactly all');
      assert.equal((await store.getRange('range/obj', 19, 1)).toString(), 'j', 'last byte');
      assert.equal((await store.getRange('range/obj', 20, 5)).length, 0, 'at the end');
      assert.equal((await store.getRange('range/obj', 50, 5)).length, 0, 'beyond the end');
      assert.equal((await store.getRange('range/obj', 3, 0)).length, 0, 'zero length');
      await assert.rejects(store.getRange('range/obj', -1, 2), code('Invalid'));
      await assert.rejects(store.getRange('range/missing', 0, 2), code('NotFound'));
    });

    test('stats and tests existence', async () => {
      const store = await target.create();
      const before = Date.now();
      await store.put('stat/a', 'abc');
      const info = await store.stat('stat/a');
      assert.equal(info.key, 'stat/a');
      assert.equal(info.size, 3);
      assert.ok(info.lastModified instanceof Date);
      // Second resolution on some services, and their clock is this machine's: allow a little slack.
      assert.ok(
        Math.abs(info.lastModified.getTime() - before) < 120_000,
        `lastModified ${info.lastModified.toISOString()}`,
      );
      assert.equal(await store.exists('stat/a'), true);
      assert.equal(await store.exists('stat/b'), false);
      assert.equal(await store.exists('stat'), false, 'a prefix is not an object');
    });

    test('missing objects are NotFound for every read', async () => {
      const store = await target.create();
      await store.put('present/x', 'x');
      await assert.rejects(store.get('present/missing'), code('NotFound'));
      await assert.rejects(store.getBuffer('present/missing'), code('NotFound'));
      await assert.rejects(store.getRange('present/missing', 0, 1), code('NotFound'));
      await assert.rejects(store.stat('present/missing'), code('NotFound'));
      await assert.rejects(store.stat('present'), code('NotFound'), 'a prefix is not an object');
      await assert.rejects(store.get('nowhere/at/all'), code('NotFound'));
    });

    test(`lists more than one page (${MANY} keys) in order, completely, and their common prefixes`, async () => {
      const store = await target.create();
      const keys = Array.from({ length: MANY }, (_, i) => `many/d${String(i).padStart(4, '0')}/o`);
      await forEachLimited(keys, 16, (key) => store.put(key, key));
      await store.put('other/z', 'z');
      const listed = await collect(store.list('many/'));
      assert.equal(listed.length, MANY);
      assert.deepEqual(
        listed.map((i) => i.key),
        keys,
      );
      assert.ok(listed.every((i) => i.size === i.key.length));
      const prefixes = await store.listCommonPrefixes('many/');
      assert.equal(prefixes.length, MANY);
      assert.deepEqual(
        prefixes,
        keys.map((k) => k.slice(0, -'o'.length)),
      );
      const partial = await collect(store.list('many/d00'));
      assert.deepEqual(
        partial.map((i) => i.key),
        keys.filter((k) => k.startsWith('many/d00')),
      );
      assert.equal(partial.length, Math.min(100, MANY));
      assert.equal((await collect(store.list(''))).length, MANY + 1);
    });

    test('lists in byte order across separators and non-ASCII keys', async () => {
      const store = await target.create();
      const order =
        target.listOrder === 'utf16' ? (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0) : compareKeys;
      const keys = [
        'ord/x-1',
        'ord/x/1',
        'ord/x0',
        'ord/X',
        'ord/é',
        'ord/\uFFFD',
        'ord/😀',
        'ord/a b',
        'ord/~',
      ];
      for (const key of keys) await store.put(key, key);
      const listed = (await collect(store.list('ord/'))).map((i) => i.key);
      assert.deepEqual(listed, [...keys].sort(order));
      assert.deepEqual(listed.slice(0, 4), ['ord/X', 'ord/a b', 'ord/x-1', 'ord/x/1'], "'-' < '/' < '0'");
      assert.deepEqual(
        (await collect(store.list('ord/x'))).map((i) => i.key),
        ['ord/x-1', 'ord/x/1', 'ord/x0'],
      );
      assert.deepEqual(await collect(store.list('nothing/here/')), []);
    });

    test('lists common prefixes as S3 does', async () => {
      const store = await target.create();
      for (const key of ['cp/a/1', 'cp/a/2', 'cp/b/c/3', 'cp/b-x/4', 'cp/top', 'root-file'])
        await store.put(key, 'v');
      assert.deepEqual(await store.listCommonPrefixes('cp/'), ['cp/a/', 'cp/b-x/', 'cp/b/']);
      assert.deepEqual(await store.listCommonPrefixes('cp/b'), ['cp/b-x/', 'cp/b/']);
      assert.deepEqual(await store.listCommonPrefixes('cp/b/'), ['cp/b/c/']);
      assert.deepEqual(await store.listCommonPrefixes(''), ['cp/']);
      assert.deepEqual(await store.listCommonPrefixes('absent/'), []);
      assert.deepEqual(await store.listCommonPrefixes('cp/a/'), [], 'only objects below');
      assert.deepEqual(await store.listCommonPrefixes('cp/', '-'), ['cp/b-']);
      await store.delete('cp/b/c/3');
      assert.deepEqual(
        await store.listCommonPrefixes('cp/'),
        ['cp/a/', 'cp/b-x/'],
        'emptied prefix disappears',
      );
    });

    test('deletes idempotently', async () => {
      const store = await target.create();
      await store.put('del/a/b/c', 'v');
      await store.put('del/keep', 'k');
      await store.delete('del/a/b/c');
      await assert.rejects(store.getBuffer('del/a/b/c'), code('NotFound'));
      await store.delete('del/a/b/c');
      await store.delete('del/never/existed');
      assert.deepEqual(
        (await collect(store.list('del/'))).map((i) => i.key),
        ['del/keep'],
      );
      assert.deepEqual(await store.listCommonPrefixes('del/'), []);
      await store.put('del/a/b/c', 'again');
      assert.equal(
        (await store.getBuffer('del/a/b/c')).toString(),
        'again',
        'a deleted key can be written again',
      );
    });

    if ((target.ifNoneMatch ?? 'enforced') === 'enforced') {
      test('ifNoneMatch creates only when absent, also under a race', async () => {
        const store = await target.create();
        await store.put('lock/one', 'first', { ifNoneMatch: true });
        await assert.rejects(store.put('lock/one', 'second', { ifNoneMatch: true }), code('AlreadyExists'));
        await assert.rejects(
          store.put('lock/one', Readable.from([Buffer.from('streamed')]), { ifNoneMatch: true }),
          code('AlreadyExists'),
        );
        assert.equal((await store.getBuffer('lock/one')).toString(), 'first');
        await store.put('lock/one', 'overwritten');
        assert.equal((await store.getBuffer('lock/one')).toString(), 'overwritten');
        const racers = Array.from({ length: 8 }, (_, i) =>
          store.put('lock/race', `racer-${i}`, { ifNoneMatch: true }).then(
            () => i,
            (err: unknown) => {
              assert.ok(isLifeboatError(err, 'AlreadyExists'), String(err));
              return -1;
            },
          ),
        );
        const winners = (await Promise.all(racers)).filter((i) => i >= 0);
        assert.equal(winners.length, 1, 'exactly one racer creates the object');
        assert.equal((await store.getBuffer('lock/race')).toString(), `racer-${winners[0]}`);
      });
    } else {
      test('ifNoneMatch is documented as ignored by this service: the put overwrites', async () => {
        const store = await target.create();
        await store.put('lock/one', 'first', { ifNoneMatch: true });
        await store.put('lock/one', 'second', { ifNoneMatch: true });
        assert.equal((await store.getBuffer('lock/one')).toString(), 'second');
      });
    }

    test('an overwrite is atomic: readers see the old or the new object, never a mix', async () => {
      const store = await target.create();
      const size = 256 * 1024;
      await store.put('atomic/obj', Buffer.alloc(size, 'a'));
      let done = false;
      const writes = (async () => {
        try {
          for (const fill of ['b', 'c', 'd'])
            await store.put('atomic/obj', chunked(Buffer.alloc(size, fill), 8192));
        } finally {
          done = true;
        }
      })();
      let reads = 0;
      while (!done) {
        const got = await store.getBuffer('atomic/obj');
        assert.ok(got.equals(Buffer.alloc(size, got[0])), 'a read saw one version, whole');
        reads++;
        // Let the writer's stream callbacks run: an in-memory store answers in microtasks alone.
        await setImmediate();
      }
      await writes;
      assert.ok(reads >= 1);
      assert.equal((await store.getBuffer('atomic/obj')).toString(), 'd'.repeat(size));
    });

    test('a body that fails mid-stream leaves the previous object (or none) in place', async () => {
      const store = await target.create();
      await store.put('broken/existing', 'old content');
      // 9 MiB before the failure: more than one multipart part or staged block has gone up by then.
      const failing = (): Readable =>
        Readable.from(
          (async function* () {
            for (let i = 0; i < 9; i++) yield Buffer.alloc(MiB, 'x');
            throw new Error('source failed');
          })(),
        );
      await assert.rejects(store.put('broken/existing', failing()));
      assert.equal((await store.getBuffer('broken/existing')).toString(), 'old content');
      await assert.rejects(store.put('broken/new', failing()));
      assert.equal(await store.exists('broken/new'), false);
      assert.deepEqual(
        (await collect(store.list('broken/'))).map((i) => i.key),
        ['broken/existing'],
        'no partial or temporary object is listed',
      );
    });

    test('rejects malformed keys with Invalid', async () => {
      const store = await target.create();
      for (const key of ['', '/abs', 'a//b', 'a/../b', '..', './a', 'a/.', 'trailing/']) {
        await assert.rejects(store.put(key, 'x'), code('Invalid'), `put ${JSON.stringify(key)}`);
        await assert.rejects(store.getBuffer(key), code('Invalid'), `getBuffer ${JSON.stringify(key)}`);
        await assert.rejects(store.stat(key), code('Invalid'), `stat ${JSON.stringify(key)}`);
        await assert.rejects(store.delete(key), code('Invalid'), `delete ${JSON.stringify(key)}`);
      }
      await assert.rejects(collect(store.list('../')), code('Invalid'));
      await assert.rejects(collect(store.list('/abs')), code('Invalid'));
      await assert.rejects(store.listCommonPrefixes('a/../'), code('Invalid'));
    });

    if (target.signedUrls ?? true) {
      test('signed URLs are fetchable without credentials, and only for the signed object', async () => {
        const store = await target.create();
        await store.put('signed/report.json', '{"ok":true}');
        const url = await store.signedUrl('signed/report.json', 60_000);
        const response = await fetch(url);
        assert.equal(response.status, 200);
        assert.equal(await response.text(), '{"ok":true}');
        const tampered = await fetch(url.replace('report.json', 'other.json'));
        assert.ok(tampered.status >= 400, `tampered URL answered ${tampered.status}`);
        await tampered.arrayBuffer();
      });
    } else {
      test('signed URLs are Unavailable from this backend alone', async () => {
        const store = await target.create();
        await store.put('signed/x', 'x');
        await assert.rejects(store.signedUrl('signed/x', 60_000), code('Unavailable'));
      });
    }
  });
}

function code(expected: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(isLifeboatError(err), `expected a LifeboatError ${expected}, got ${String(err)}`);
    assert.equal(err.code, expected, err.message);
    return true;
  };
}

function chunked(data: Buffer, size: number): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
    })(),
  );
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}
