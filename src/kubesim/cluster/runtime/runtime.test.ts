import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pino from 'pino';
import { SYSTEM_NAMESPACES } from '../../apiserver/admission/namespaces.ts';
import { createObjectService } from '../../apiserver/object-service.ts';
import type { ObjectService, ResourceRef, WatchEvent, WatchOptions } from '../../apiserver/types.ts';
import { createBuiltinRegistry } from '../../registry/registry.ts';
import { templateHash } from './hash.ts';
import { Informer } from './informer.ts';
import { formatBytes, parseQuantity } from './quantity.ts';
import {
  labelSelectorString,
  matchesLabelSelector,
  matchesNodeSelectorTerms,
  tolerates,
} from './selectors.ts';
import { WorkQueue } from './work-queue.ts';

const logger = pino({ level: 'silent' });

describe('controller runtime', () => {
  test('the work queue reconciles a key added many times once, never concurrently, and retries failures', async () => {
    const seen: string[] = [];
    let active = 0;
    let maxActive = 0;
    let failOnce = true;
    const queue = new WorkQueue({
      name: 't',
      logger,
      concurrency: 4,
      backoffBaseMs: 5,
      reconcile: async (key) => {
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise((r) => setTimeout(r, 10));
        active--;
        seen.push(key);
        if (key === 'flaky' && failOnce) {
          failOnce = false;
          throw new Error('transient');
        }
        return undefined;
      },
    });
    for (let i = 0; i < 5; i++) queue.add('a');
    queue.add('flaky');
    const deadline = Date.now() + 2000;
    while (seen.filter((k) => k === 'flaky').length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await queue.idle();
    assert.deepEqual(
      seen.filter((k) => k === 'a'),
      ['a'],
    );
    assert.deepEqual(
      seen.filter((k) => k === 'flaky'),
      ['flaky', 'flaky'],
    );
    assert.equal(maxActive, 2);
    await queue.stop();
  });

  test('a key added while it is being reconciled is reconciled again afterwards', async () => {
    let runs = 0;
    const queue = new WorkQueue({
      name: 't',
      logger,
      reconcile: async () => {
        runs++;
        if (runs === 1) {
          queue.add('k');
          await new Promise((r) => setTimeout(r, 10));
        }
        return undefined;
      },
    });
    queue.add('k');
    const deadline = Date.now() + 2000;
    while (runs < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await queue.idle();
    assert.equal(runs, 2);
    await queue.stop();
  });

  test('an informer whose watch fails with 410 relists and reports what it missed as add/update/delete', async () => {
    const registry = createBuiltinRegistry();
    const api = createObjectService({ registry });
    api.bootstrap(SYSTEM_NAMESPACES);
    const ref = api.lookup('', 'v1', 'configmaps')!;
    const cm = (name: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'default' },
    });
    api.create(ref, 'default', cm('kept'));
    api.create(ref, 'default', cm('removed'));
    // The real service behind a link that can go quiet, as a dropped connection does, then report 410 Gone.
    let quiet = false;
    const sinks: ((e: WatchEvent) => void)[] = [];
    const flaky: ObjectService = Object.create(api, {
      watch: {
        value: (r: ResourceRef, o: WatchOptions, onEvent: (e: WatchEvent) => void) => {
          sinks.push(onEvent);
          return api.watch(r, o, (e) => {
            if (!quiet) onEvent(e);
          });
        },
      },
    });
    const events: string[] = [];
    const informer = new Informer(flaky, ref, logger);
    informer.on({
      add: (o) => events.push(`add ${o.metadata.name}`),
      update: (o) => events.push(`update ${o.metadata.name}`),
      delete: (o) => events.push(`delete ${o.metadata.name}`),
    });
    informer.start();
    assert.deepEqual(events.sort(), ['add kept', 'add removed']);
    events.length = 0;
    quiet = true;
    api.delete(ref, 'default', 'removed');
    api.patch(ref, 'default', 'kept', 'merge', { data: { a: 'b' } });
    api.create(ref, 'default', cm('new'));
    assert.equal(events.length, 0, 'nothing arrives while the link is quiet');
    quiet = false;
    sinks.at(-1)!({
      type: 'ERROR',
      object: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        reason: 'Expired',
        code: 410,
        message: 'too old resource version',
      },
    });
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(informer.relists, 2);
    assert.deepEqual(events.sort(), ['add new', 'delete removed', 'update kept']);
    assert.equal((informer.get('default', 'kept')?.data as Record<string, string> | undefined)?.a, 'b');
    api.create(ref, 'default', cm('after'));
    assert.ok(events.includes('add after'), 'the new watch delivers live events');
    informer.stop();
    api.close();
  });

  test('selectors, tolerations, quantities and template hashes behave like Kubernetes', () => {
    assert.ok(
      matchesLabelSelector(
        { matchLabels: { app: 'a' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] },
        { app: 'a' },
      ),
    );
    assert.ok(
      !matchesLabelSelector({ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, { app: 'a' }),
    );
    assert.ok(!matchesLabelSelector(undefined, { app: 'a' }));
    assert.equal(
      labelSelectorString({
        matchLabels: { app: 'a' },
        matchExpressions: [{ key: 'x', operator: 'In', values: ['1', '2'] }],
      }),
      'app=a,x in (1,2)',
    );
    const node = { metadata: { name: 'n1', labels: { zone: 'a', cores: '8' } } };
    assert.ok(
      matchesNodeSelectorTerms(
        [{ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['4'] }] }],
        node,
      ),
    );
    assert.ok(
      matchesNodeSelectorTerms(
        [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }],
        node,
      ),
    );
    assert.ok(
      !matchesNodeSelectorTerms(
        [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }],
        node,
      ),
    );
    assert.ok(tolerates([{ operator: 'Exists' }], { key: 'any', effect: 'NoSchedule' }));
    assert.ok(
      !tolerates([{ key: 'a', value: 'x', effect: 'NoExecute' }], {
        key: 'a',
        value: 'x',
        effect: 'NoSchedule',
      }),
    );
    assert.equal(parseQuantity('1Gi'), 2 ** 30);
    assert.equal(parseQuantity('1.5G'), 1.5e9);
    assert.equal(parseQuantity('100m'), 0.1);
    assert.equal(formatBytes(2 ** 30), '1Gi');
    assert.equal(formatBytes(1000), '1000');
    const a = templateHash({
      spec: { containers: [{ name: 'a', image: 'x' }] },
      metadata: { labels: { b: '1', a: '2' } },
    });
    const b = templateHash({
      metadata: { labels: { a: '2', b: '1' } },
      spec: { containers: [{ image: 'x', name: 'a' }] },
    });
    assert.equal(a, b);
    assert.match(a, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.notEqual(a, templateHash({ spec: { containers: [{ name: 'a', image: 'y' }] } }));
  });
});
