import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { validateCrd } from '../kubesim/registry/crd.ts';
import { validateStructuralSchema } from '../kubesim/schema/structural.ts';
import {
  CRD_DIRECTORY,
  crdManifests,
  GROUP,
  generatedFiles,
  REGENERATE_COMMAND,
  RESOURCE_KINDS,
} from './index.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests reach into generated JSON schemas by path
type Json = any;

const root = new URL('../../', import.meta.url).pathname;

describe('committed generated files', () => {
  test(`deploy/crds and docs/api.md match the schemas (regenerate with ${REGENERATE_COMMAND})`, () => {
    const problems: string[] = [];
    const files = generatedFiles();
    for (const file of files) {
      const path = join(root, file.path);
      if (!existsSync(path)) problems.push(`${file.path} is missing`);
      else if (readFileSync(path, 'utf8') !== file.content)
        problems.push(`${file.path} differs from the schemas`);
    }
    const expected = new Set(files.map((f) => f.path));
    for (const name of readdirSync(join(root, CRD_DIRECTORY))) {
      if (name.endsWith('.yaml') && !expected.has(`${CRD_DIRECTORY}/${name}`)) {
        problems.push(`${CRD_DIRECTORY}/${name} is not generated from any schema`);
      }
    }
    assert.deepEqual(
      problems,
      [],
      `generated files are stale; run \`${REGENERATE_COMMAND}\` and commit the result`,
    );
  });

  test('the committed YAML parses back to exactly the generated CRD objects', () => {
    const crds = crdManifests();
    for (const crd of crds) {
      const file = join(root, CRD_DIRECTORY, `${GROUP}_${crd.spec.names.plural}.yaml`);
      assert.deepEqual(parse(readFileSync(file, 'utf8')), crd);
    }
  });
});

describe('generated CRDs', () => {
  const crds = crdManifests();

  test('one namespaced CRD per kind, in group lifeboat.io, category lifeboat, with status subresource', () => {
    assert.deepEqual(
      crds.map((c) => c.spec.names.kind),
      [...RESOURCE_KINDS],
    );
    for (const crd of crds) {
      assert.equal(crd.metadata.name, `${crd.spec.names.plural}.lifeboat.io`);
      assert.equal(crd.spec.scope, 'Namespaced');
      assert.deepEqual(crd.spec.names.categories, ['lifeboat']);
      assert.equal(crd.spec.names.listKind, `${crd.spec.names.kind}List`);
      assert.equal(crd.spec.versions.length, 1);
      const version = crd.spec.versions[0];
      assert.deepEqual([version.name, version.served, version.storage], ['v1', true, true]);
      assert.deepEqual(version.subresources, { status: {} });
    }
  });

  test('pass the API server’s CRD validation and structural-schema rules (kubesim’s implementation)', () => {
    for (const crd of crds) {
      assert.deepEqual(validateCrd(structuredClone(crd)), [], crd.metadata.name);
      assert.deepEqual(
        validateStructuralSchema(crd.spec.versions[0].schema.openAPIV3Schema),
        [],
        crd.metadata.name,
      );
    }
  });

  test('contain no $ref, no additionalProperties beside properties, no zod-only keys, and typed nodes', () => {
    for (const crd of crds) {
      walk(crd.spec.versions[0].schema.openAPIV3Schema, crd.metadata.name, (node, path) => {
        assert.equal('$ref' in node, false, `${path} has $ref`);
        assert.equal('$schema' in node, false, `${path} has $schema`);
        assert.ok(!('properties' in node && 'additionalProperties' in node), `${path} has both`);
        for (const key of Object.keys(node)) assert.ok(!key.startsWith('x-lifeboat'), `${path} keeps ${key}`);
        assert.ok(
          typeof node.type === 'string' || node['x-kubernetes-preserve-unknown-fields'] === true,
          `${path} has no type`,
        );
        if (node.type === 'integer') {
          assert.notEqual(node.maximum, Number.MAX_SAFE_INTEGER, `${path} keeps zod's integer bound`);
        }
      });
    }
  });

  test('the root metadata is just an object; apiVersion and kind are plain strings', () => {
    for (const crd of crds) {
      const props = crd.spec.versions[0].schema.openAPIV3Schema.properties as Record<
        string,
        Record<string, unknown>
      >;
      assert.deepEqual(props.metadata, { type: 'object' });
      assert.equal(props.apiVersion.type, 'string');
      assert.equal(props.kind.type, 'string');
      assert.equal('enum' in props.kind, false);
    }
  });

  test('printer columns as asked: Backup, Restore, Schedule and BackupStorageLocation', () => {
    const columns = (kind: string) =>
      crds
        .find((c) => c.spec.names.kind === kind)!
        .spec.versions[0].additionalPrinterColumns.filter((c) => !c.priority)
        .map((c) => c.name);
    assert.deepEqual(columns('Backup'), [
      'Status',
      'Errors',
      'Warnings',
      'Created',
      'Expires',
      'Storage Location',
    ]);
    assert.deepEqual(columns('Restore'), [
      'Backup',
      'Status',
      'Started',
      'Completed',
      'Errors',
      'Warnings',
      'Created',
    ]);
    assert.deepEqual(columns('Schedule'), ['Status', 'Schedule', 'LastBackup', 'Age', 'Paused']);
    assert.deepEqual(columns('BackupStorageLocation'), ['Phase', 'Last Validated', 'Age', 'Default']);
  });

  test('short names are Velero’s: bsl, vsl, ssr', () => {
    const short = crds
      .filter((c) => c.spec.names.shortNames)
      .map((c) => [c.spec.names.kind, c.spec.names.shortNames]);
    assert.deepEqual(short, [
      ['BackupStorageLocation', ['bsl']],
      ['VolumeSnapshotLocation', ['vsl']],
      ['ServerStatusRequest', ['ssr']],
    ]);
  });

  test('free-form values keep their fields: restore init containers', () => {
    const restore = crds.find((c) => c.spec.names.kind === 'Restore')!;
    const schema = restore.spec.versions[0].schema.openAPIV3Schema as Record<string, Json>;
    const container =
      schema.properties.spec.properties.hooks.properties.resources.items.properties.postHooks.items.properties
        .init.properties.initContainers.items;
    assert.equal(container['x-kubernetes-preserve-unknown-fields'], true);
    assert.deepEqual(container.required, ['name', 'image', 'command']);
  });
});

function walk(
  node: Record<string, unknown>,
  path: string,
  visit: (n: Record<string, Json>, p: string) => void,
): void {
  visit(node, path);
  for (const [name, sub] of Object.entries(
    (node.properties ?? {}) as Record<string, Record<string, unknown>>,
  )) {
    walk(sub, `${path}.${name}`, visit);
  }
  if (node.items) walk(node.items as Record<string, unknown>, `${path}[]`, visit);
  if (node.additionalProperties && typeof node.additionalProperties === 'object') {
    walk(node.additionalProperties as Record<string, unknown>, `${path}{}`, visit);
  }
}
