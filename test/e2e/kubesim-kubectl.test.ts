/**
 * The proof for kubesim: the real kubectl 1.32 runs the everyday scenario unchanged against it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { startKubesim } from '../../src/kubesim/index.ts';
import { Kubectl } from '../support/kubectl.ts';
import { DEMO_APP_YAML, WIDGET_CRD_YAML } from '../support/manifests.ts';

type Sim = Awaited<ReturnType<typeof startKubesim>>;

describe('kubectl 1.32 against kubesim', () => {
  let sim: Sim;
  let kubectl: Kubectl;

  before(async () => {
    sim = await startKubesim({ nodes: 2 });
    kubectl = new Kubectl(sim.kubeconfigPath);
  });
  after(async () => {
    await sim?.stop();
  });

  test('version reports a 1.32 server', async () => {
    const out = JSON.parse(await kubectl.ok(['version', '-o', 'json']));
    assert.equal(out.serverVersion.major, '1');
    assert.equal(out.serverVersion.minor, '32');
  });

  test('api-resources lists built-in groups, both autoscaling versions, and short names', async () => {
    const out = await kubectl.ok(['api-resources', '-o', 'wide']);
    assert.match(out, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/m);
    assert.match(out, /^volumesnapshots\s+.*snapshot\.storage\.k8s\.io\/v1\s+true\s+VolumeSnapshot/m);
    assert.match(out, /^horizontalpodautoscalers\s+hpa\s+autoscaling\/v2/m);
    const versions = await kubectl.ok(['api-versions']);
    assert.match(versions, /^autoscaling\/v1$/m);
    assert.match(versions, /^autoscaling\/v2$/m);
  });

  test('create namespace (a protobuf body) and get it as a table', async () => {
    assert.match(await kubectl.ok(['create', 'namespace', 'demo']), /namespace\/demo created/);
    const table = await kubectl.ok(['get', 'ns', 'demo']);
    assert.match(table, /^NAME\s+STATUS\s+AGE$/m);
    assert.match(table, /^demo\s+Active\s+\d+s$/m);
  });

  test('apply a Deployment, ConfigMap and Service; the Deployment rolls out', async () => {
    const out = await kubectl.ok(['apply', '-f', '-'], { stdin: DEMO_APP_YAML });
    assert.match(out, /configmap\/web-config created/);
    assert.match(out, /deployment.apps\/web created/);
    assert.match(out, /service\/web created/);
    await kubectl.ok(['rollout', 'status', 'deployment/web', '-n', 'demo', '--timeout=60s'], {
      timeoutMs: 70_000,
    });
    const pods = await kubectl.ok(['get', 'pods', '-n', 'demo', '-l', 'app=web']);
    assert.equal(
      pods
        .trim()
        .split('\n')
        .filter((l) => /\s1\/1\s+Running\s/.test(l)).length,
      2,
    );
    const again = await kubectl.ok(['apply', '-f', '-'], { stdin: DEMO_APP_YAML });
    assert.match(again, /configmap\/web-config unchanged/);
  });

  test('get -o json returns full objects with server-set fields', async () => {
    const svc = JSON.parse(await kubectl.ok(['get', 'svc', 'web', '-n', 'demo', '-o', 'json']));
    assert.match(svc.spec.clusterIP, /^10\.(9[6-9]|1[01]\d)\./);
    assert.ok(svc.metadata.uid);
    assert.ok(Number(svc.metadata.resourceVersion) > 0);
    const eps = JSON.parse(await kubectl.ok(['get', 'endpoints', 'web', '-n', 'demo', '-o', 'json']));
    assert.equal(eps.subsets?.[0]?.addresses?.length, 2);
  });

  test('a CRD becomes Established and its custom resources validate, default and print columns', async () => {
    await kubectl.ok(['apply', '-f', '-'], { stdin: WIDGET_CRD_YAML });
    await kubectl.ok(['wait', '--for=condition=Established', 'crd/widgets.example.com', '--timeout=30s']);
    await kubectl.ok(['apply', '-f', '-'], {
      stdin:
        'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1, namespace: demo}\nspec: {size: small}\n',
    });
    const table = await kubectl.ok(['get', 'widgets', '-n', 'demo']);
    assert.match(table, /^NAME\s+SIZE$/m);
    assert.match(table, /^w1\s+small$/m);
    const w1 = JSON.parse(await kubectl.ok(['get', 'wd', 'w1', '-n', 'demo', '-o', 'json']));
    assert.equal(w1.spec.count, 1, 'the schema default is applied');
    const bad = await kubectl.run(['apply', '-f', '-'], {
      stdin:
        'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w2, namespace: demo}\nspec: {size: huge}\n',
    });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /spec\.size: Unsupported value: "huge"/);
  });

  test('merge, JSON and strategic patches, label and scale', async () => {
    await kubectl.ok([
      'patch',
      'cm',
      'web-config',
      '-n',
      'demo',
      '--type=merge',
      '-p',
      '{"data":{"extra":"1"}}',
    ]);
    await kubectl.ok([
      'patch',
      'cm',
      'web-config',
      '-n',
      'demo',
      '--type=json',
      '-p',
      '[{"op":"replace","path":"/data/greeting","value":"hi"}]',
    ]);
    await kubectl.ok([
      'patch',
      'deploy',
      'web',
      '-n',
      'demo',
      '-p',
      '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.28"}]}}}}',
    ]);
    await kubectl.ok(['label', 'cm', 'web-config', '-n', 'demo', 'tier=frontend']);
    const cm = JSON.parse(await kubectl.ok(['get', 'cm', 'web-config', '-n', 'demo', '-o', 'json']));
    assert.deepEqual(cm.data, { greeting: 'hi', extra: '1' });
    assert.equal(cm.metadata.labels.tier, 'frontend');
    const deploy = JSON.parse(await kubectl.ok(['get', 'deploy', 'web', '-n', 'demo', '-o', 'json']));
    assert.equal(
      deploy.spec.template.spec.containers.length,
      1,
      'strategic merge keeps the list keyed by name',
    );
    assert.equal(deploy.spec.template.spec.containers[0].image, 'nginx:1.28');
    assert.equal(deploy.spec.template.spec.containers[0].ports[0].containerPort, 80);
    const unchanged = await kubectl.ok([
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

    await kubectl.ok(['scale', 'deploy/web', '-n', 'demo', '--replicas=3']);
    await kubectl.ok(['rollout', 'status', 'deployment/web', '-n', 'demo', '--timeout=60s'], {
      timeoutMs: 70_000,
    });
    const scaled = JSON.parse(await kubectl.ok(['get', 'deploy', 'web', '-n', 'demo', '-o', 'json']));
    assert.equal(scaled.status.availableReplicas, 3);
    assert.equal(scaled.status.updatedReplicas, 3);
  });

  test('wait for a pod to be Ready, exec into it, read its logs', async () => {
    await kubectl.ok([
      'wait',
      '--for=condition=Ready',
      'pod',
      '-l',
      'app=web',
      '-n',
      'demo',
      '--timeout=30s',
    ]);
    const exec = await kubectl.run([
      'exec',
      '-n',
      'demo',
      'deploy/web',
      '--',
      'sh',
      '-c',
      'echo out; echo err >&2; exit 3',
    ]);
    assert.equal(exec.code, 3);
    assert.equal(exec.stdout, 'out\n');
    assert.match(exec.stderr, /err/);
    const stdin = await kubectl.ok(['exec', '-i', '-n', 'demo', 'deploy/web', '--', 'cat'], {
      stdin: 'through stdin\n',
    });
    assert.equal(stdin, 'through stdin\n');
    const logs = await kubectl.ok(['logs', '-n', 'demo', 'deploy/web']);
    assert.match(logs, /nginx/);
  });

  test('watch streams changes', async () => {
    const child = spawn(
      kubectl.binary,
      ['--kubeconfig', sim.kubeconfigPath, 'get', 'cm', '-n', 'demo', '-w', '-o', 'name'],
      {
        env: { ...process.env, KUBECACHEDIR: kubectl.cacheDir },
      },
    );
    let seen = '';
    const created = new Promise<void>((resolve) => {
      child.stdout.on('data', (d) => {
        seen += d;
        if (seen.includes('configmap/watched')) resolve();
      });
    });
    await new Promise((r) => setTimeout(r, 1500));
    await kubectl.ok(['create', 'configmap', 'watched', '-n', 'demo', '--from-literal=a=b']);
    await Promise.race([
      created,
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no event: ${seen}`)), 15_000)),
    ]);
    child.kill();
    assert.match(seen, /configmap\/web-config/);
    assert.match(seen, /configmap\/watched/);
  });

  test('delete a Deployment: its ReplicaSets and pods are collected; delete the namespace and wait', async () => {
    await kubectl.ok(['delete', 'deploy', 'web', '-n', 'demo', '--wait=true', '--timeout=30s']);
    await kubectl.ok(['wait', '--for=delete', 'pod', '-l', 'app=web', '-n', 'demo', '--timeout=30s']);
    const rs = await kubectl.ok(['get', 'rs', '-n', 'demo', '-o', 'name']);
    assert.equal(rs.trim(), '');
    await kubectl.ok(['delete', 'namespace', 'demo', '--timeout=60s'], { timeoutMs: 70_000 });
    const gone = await kubectl.run(['get', 'ns', 'demo']);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /namespaces "demo" not found/);
    const widgets = await kubectl.ok(['get', 'widgets', '-A', '-o', 'name']);
    assert.equal(widgets.trim(), '', 'the namespace took its custom resources with it');
  });
});
