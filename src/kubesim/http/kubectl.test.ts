import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Kubectl, type KubectlResult } from '../../../test/support/kubectl.ts';
import { DEMO_APP_YAML, DEMO_NAMESPACE_YAML, WIDGET_CRD_YAML } from '../../../test/support/manifests.ts';
import { type Kubesim, startKubesim } from '../index.ts';

/**
 * The real kubectl 1.32 against the API server alone (no simulated cluster): the commands whose
 * behaviour is the API server's. The pinned binary skips the gcloud dispatcher; KUBECACHEDIR isolates its cache.
 */
describe('kubectl 1.32 against the kubesim API server', () => {
  let sim: Kubesim;
  let cli: Kubectl;
  const kubectl = (args: string[], stdin = '', timeoutMs = 30_000): Promise<KubectlResult> =>
    cli.run(args, { stdin, timeoutMs });
  const ok = async (args: string[], stdin = ''): Promise<string> => {
    const r = await kubectl(args, stdin);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    sim = await startKubesim({ cluster: false });
    cli = new Kubectl(sim.kubeconfigPath);
  });
  after(async () => {
    await sim.stop();
    rmSync(cli.cacheDir, { recursive: true, force: true });
  });

  test('version and api-resources', async () => {
    const v = JSON.parse(await ok(['version', '-o', 'json']));
    assert.equal(v.serverVersion.gitVersion, 'v1.32.4');
    const resources = await ok(['api-resources']);
    assert.match(resources, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    assert.match(resources, /^configmaps\s+cm\s+v1\s+true\s+ConfigMap$/m);
  });

  test('create with protobuf bodies (namespace, configmap, secret, deployment) and auth can-i', async () => {
    assert.match(await ok(['create', 'namespace', 'pb']), /namespace\/pb created/);
    assert.match(
      await ok(['create', 'configmap', 'c1', '-n', 'pb', '--from-literal=a=b']),
      /configmap\/c1 created/,
    );
    await ok(['create', 'secret', 'generic', 's1', '-n', 'pb', '--from-literal=p=q']);
    await ok(['create', 'deployment', 'd1', '-n', 'pb', '--image=nginx:1.27']);
    const cm = JSON.parse(await ok(['get', 'cm', 'c1', '-n', 'pb', '-o', 'json', '--show-managed-fields']));
    assert.deepEqual(cm.data, { a: 'b' });
    assert.equal(cm.metadata.managedFields[0].manager, 'kubectl-create');
    const secret = JSON.parse(await ok(['get', 'secret', 's1', '-n', 'pb', '-o', 'json']));
    assert.equal(Buffer.from(secret.data.p, 'base64').toString(), 'q');
    const d = JSON.parse(await ok(['get', 'deploy', 'd1', '-n', 'pb', '-o', 'json']));
    assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.27');
    assert.equal((await ok(['auth', 'can-i', 'delete', 'pods'])).trim(), 'yes');
  });

  test('apply, re-apply unchanged, get as a table and as JSON', async () => {
    const out = await ok(['apply', '-f', '-'], `${DEMO_NAMESPACE_YAML}---${DEMO_APP_YAML}`);
    assert.match(out, /namespace\/demo created/);
    assert.match(out, /deployment.apps\/web created/);
    assert.match(
      await ok(['apply', '-f', '-'], `${DEMO_NAMESPACE_YAML}---${DEMO_APP_YAML}`),
      /configmap\/web-config unchanged/,
    );
    const table = await ok(['get', 'cm', '-n', 'demo']);
    assert.match(table, /^NAME\s+DATA\s+AGE$/m);
    assert.match(table, /^web-config\s+1\s+\d+s$/m);
    const svc = JSON.parse(await ok(['get', 'svc', 'web', '-n', 'demo', '-o', 'json']));
    assert.match(svc.spec.clusterIP, /^10\.96\./);
    assert.ok(Number(svc.metadata.resourceVersion) > 0);
  });

  test('merge, JSON and strategic patches, label, scale, (no change)', async () => {
    await ok(['patch', 'cm', 'web-config', '-n', 'demo', '--type=merge', '-p', '{"data":{"extra":"1"}}']);
    await ok([
      'patch',
      'cm',
      'web-config',
      '-n',
      'demo',
      '--type=json',
      '-p',
      '[{"op":"replace","path":"/data/greeting","value":"hi"}]',
    ]);
    await ok([
      'patch',
      'deploy',
      'web',
      '-n',
      'demo',
      '-p',
      '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.28"}]}}}}',
    ]);
    await ok(['label', 'cm', 'web-config', '-n', 'demo', 'tier=frontend']);
    const cm = JSON.parse(await ok(['get', 'cm', 'web-config', '-n', 'demo', '-o', 'json']));
    assert.deepEqual(cm.data, { greeting: 'hi', extra: '1' });
    assert.equal(cm.metadata.labels.tier, 'frontend');
    const unchanged = await ok([
      'patch',
      'cm',
      'web-config',
      '-n',
      'demo',
      '--type=merge',
      '-p',
      '{"data":{"extra":"1"}}',
    ]);
    assert.match(unchanged, /\(no change\)/);
    await ok(['scale', 'deploy/web', '-n', 'demo', '--replicas=3']);
    const d = JSON.parse(await ok(['get', 'deploy', 'web', '-n', 'demo', '-o', 'json']));
    assert.equal(d.spec.replicas, 3);
    assert.equal(d.spec.template.spec.containers.length, 1);
    assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.28');
    assert.equal(d.spec.template.spec.containers[0].ports[0].containerPort, 80);
    assert.equal(d.metadata.generation, 3);
  });

  test('a CRD, its custom resources with printer columns, and 415 on strategic patch', async () => {
    await ok(['apply', '-f', '-'], WIDGET_CRD_YAML);
    await ok(['wait', '--for=condition=Established', 'crd/widgets.example.com', '--timeout=10s']);
    await ok(
      ['apply', '-f', '-'],
      'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1, namespace: demo}\nspec: {size: small}\n',
    );
    const table = await ok(['get', 'widgets', '-n', 'demo']);
    assert.match(table, /^NAME\s+SIZE$/m);
    assert.match(table, /^w1\s+small$/m);
    const smp = await kubectl(['patch', 'wd', 'w1', '-n', 'demo', '-p', '{"spec":{"size":"large"}}']);
    assert.notEqual(smp.code, 0);
    assert.match(smp.stderr, /application\/strategic-merge-patch\+json is not supported/);
    await ok(['patch', 'wd', 'w1', '-n', 'demo', '--type=merge', '-p', '{"spec":{"size":"large"}}']);
    assert.match(await ok(['get', 'wd', '-n', 'demo']), /^w1\s+large$/m);
  });

  test('server-side apply creates, updates, and reports conflicts with another manager', async () => {
    const manifest = (replicas: number): string =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa, namespace: demo}\ndata: {replicas: "${replicas}"}\n`;
    assert.match(
      await ok(['apply', '--server-side', '-f', '-'], manifest(1)),
      /configmap\/ssa serverside-applied/,
    );
    const taken = await kubectl(['apply', '--server-side', '--field-manager=other', '-f', '-'], manifest(2));
    assert.notEqual(taken.code, 0);
    assert.match(taken.stderr, /conflict with "kubectl"/);
    await ok(
      ['apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', '-'],
      manifest(2),
    );
    const clash = await kubectl(['apply', '--server-side', '-f', '-'], manifest(3));
    assert.notEqual(clash.code, 0);
    assert.match(clash.stderr, /conflict with "other"/);
    await ok(['apply', '--server-side', '--force-conflicts', '-f', '-'], manifest(3));
    const cm = JSON.parse(await ok(['get', 'cm', 'ssa', '-n', 'demo', '-o', 'json']));
    assert.equal(cm.data.replicas, '3');
  });

  test('watch streams changes; delete waits for the object to go', async () => {
    const child = spawn(
      cli.binary,
      ['--kubeconfig', sim.kubeconfigPath, 'get', 'cm', '-n', 'demo', '-w', '-o', 'name'],
      {
        env: { ...process.env, KUBECACHEDIR: cli.cacheDir },
      },
    );
    let seen = '';
    const created = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no watch event: ${seen}`)), 15_000);
      child.stdout.on('data', (d) => {
        seen += d;
        if (seen.includes('configmap/watched')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await new Promise((r) => setTimeout(r, 1000));
    await ok(
      ['apply', '-f', '-'],
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: watched, namespace: demo}\n',
    );
    try {
      await created;
    } finally {
      child.kill();
    }
    assert.match(seen, /configmap\/web-config/);
    assert.match(
      await ok(['delete', 'cm', 'watched', '-n', 'demo', '--wait=true', '--timeout=10s']),
      /deleted/,
    );
    const gone = await kubectl(['get', 'cm', 'watched', '-n', 'demo']);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /configmaps "watched" not found/);
  });

  test('wait --for=delete ends when a finalizer is removed', async () => {
    await ok(
      ['apply', '-f', '-'],
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held, namespace: demo, finalizers: [example.com/hold]}\n',
    );
    await ok(['delete', 'cm', 'held', '-n', 'demo', '--wait=false']);
    const waiting = kubectl(['wait', '--for=delete', 'cm/held', '-n', 'demo', '--timeout=20s']);
    await new Promise((r) => setTimeout(r, 1000));
    await ok(['patch', 'cm', 'held', '-n', 'demo', '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    const result = await waiting;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /condition met|deleted/);
  });
});
