/**
 * Writes every file generated from the zod schemas in src/api: the CRDs under deploy/crds/ (one YAML per
 * kind plus a kustomization) and the API reference docs/api.md. Stale YAML in deploy/crds/ is removed.
 * Run with `npm run generate:crds`; src/api/crds.test.ts fails when the committed files drift from this.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CRD_DIRECTORY, generatedFiles } from '../src/api/index.ts';

const root = new URL('..', import.meta.url).pathname;
const files = generatedFiles();

const wanted = new Set(files.map((f) => f.path));
const crdDir = join(root, CRD_DIRECTORY);
mkdirSync(crdDir, { recursive: true });
for (const name of readdirSync(crdDir)) {
  const path = `${CRD_DIRECTORY}/${name}`;
  if (name.endsWith('.yaml') && !wanted.has(path)) {
    rmSync(join(root, path));
    console.log(`removed ${path}`);
  }
}
for (const file of files) {
  mkdirSync(dirname(join(root, file.path)), { recursive: true });
  writeFileSync(join(root, file.path), file.content);
  console.log(`wrote ${file.path}`);
}
