import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { deployFiles } from './deploy-files.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const PINNED_KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';

test('deploy/ is what the rendering makes (run `npm run generate:deploy` after a change)', () => {
  for (const [path, text] of deployFiles())
    assert.equal(readFileSync(join(REPO, 'deploy', path), 'utf8'), text, `deploy/${path} drifted`);
});

test('kubectl kustomize builds each overlay with the server Deployment and its location', () => {
  const kubectl = existsSync(PINNED_KUBECTL) ? PINNED_KUBECTL : 'kubectl';
  for (const overlay of ['fs', 'aws', 'azure']) {
    const out = execFileSync(kubectl, ['kustomize', join(REPO, 'deploy', 'overlays', overlay)], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const objects = parseAllDocuments(out).map(
      (d) => d.toJS() as { kind: string; metadata: { name: string } },
    );
    assert.ok(
      objects.some((o) => o.kind === 'Deployment' && o.metadata.name === 'lifeboat-server'),
      overlay,
    );
    assert.ok(
      objects.some((o) => o.kind === 'DaemonSet'),
      overlay,
    );
    const bsl = objects.find((o) => o.kind === 'BackupStorageLocation') as unknown as {
      spec: { provider: string };
    };
    assert.equal(bsl.spec.provider, overlay);
    assert.ok(!objects.some((o) => o.kind === 'Secret'), 'no Secret in git');
  }
});

test('the Containerfile copies files that exist and runs the built CLI as nonroot on distroless', () => {
  const text = readFileSync(join(REPO, 'Containerfile'), 'utf8');
  for (const m of text.matchAll(/^COPY (?!--from)(.+) \.\/?\S*$/gm))
    for (const source of m[1].split(/\s+/)) assert.ok(existsSync(join(REPO, source)), `${source} exists`);
  assert.match(text, /^FROM gcr\.io\/distroless\/nodejs20-debian12:nonroot$/m);
  assert.match(text, /^USER nonroot$/m);
  const bin = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).bin.lifeboat as string;
  assert.ok(text.includes(`/app/${bin}`), `the entry point runs ${bin}`);
  assert.match(text, /npm ci/);
  assert.match(text, /npm prune --omit=dev/);
});
