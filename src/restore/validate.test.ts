import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Restore } from '../api/resources/restore.ts';
import { parseResource } from '../api/validation/validate.ts';
import { validateRestore } from './validate.ts';

const restore = (spec: Record<string, unknown>) =>
  parseResource('Restore', {
    apiVersion: 'lifeboat.io/v1',
    kind: 'Restore',
    metadata: { name: 'r', namespace: 'lifeboat' },
    spec,
  });

test('a sound restore has no messages', () => {
  assert.deepEqual(
    validateRestore(restore({ backupName: 'b', includedNamespaces: ['a-*'] }), { backupExists: () => true }),
    [],
  );
});

test('messages name the field', () => {
  // As a controller may receive it from the cluster: not parsed (parseResource would refuse it).
  const raw = (spec: Record<string, unknown>) =>
    ({ apiVersion: 'lifeboat.io/v1', kind: 'Restore', metadata: { name: 'r' }, spec }) as unknown as Restore;
  const messages = validateRestore(
    raw({
      backupName: 'b',
      scheduleName: 's',
      includedResources: ['nodes'],
      labelSelector: { matchLabels: { a: 'b' } },
      orLabelSelectors: [{ matchLabels: { c: 'd' } }],
      namespaceMapping: { a: 'Not_Valid' },
    }),
    { backupExists: () => false },
  );
  const fields = messages.map((m) => m.slice(0, m.indexOf(':')));
  assert.ok(fields.includes('spec.scheduleName'), messages.join('\n'));
  assert.ok(fields.includes('spec.includedResources[0]'), messages.join('\n'));
  assert.ok(fields.includes('spec.orLabelSelectors'), messages.join('\n'));
  assert.ok(
    fields.some((f) => f.startsWith('spec.namespaceMapping')),
    messages.join('\n'),
  );
  assert.ok(messages.some((m) => /spec\.backupName: backup "b" does not exist/.test(m)));
});
