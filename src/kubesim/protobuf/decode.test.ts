import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../apiserver/types.ts';
import { decodeKubernetesProtobuf } from './decode.ts';

// A tiny protobuf encoder, enough to build the bodies kubectl sends.
function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}
const key = (num: number, wireType: number) => varint((num << 3) | wireType);
const int = (num: number, n: number | bigint) => [...key(num, 0), ...varint(n)];
const bytes = (num: number, payload: number[]) => [...key(num, 2), ...varint(payload.length), ...payload];
const str = (num: number, s: string) => bytes(num, [...Buffer.from(s, 'utf8')]);
const msg = (num: number, ...parts: number[][]) => bytes(num, parts.flat());
const entry = (num: number, k: string, v: number[]) => msg(num, str(1, k), v);
/** ObjectMeta as kubectl sends it: every non-pointer field present, empty. */
const meta = (name: string, ...extra: number[][]) =>
  msg(
    1,
    str(1, name),
    str(2, ''),
    str(3, ''),
    str(4, ''),
    str(5, ''),
    str(6, ''),
    int(7, 0),
    msg(8),
    ...extra,
  );
function envelope(apiVersion: string, kind: string, ...raw: number[][]): Buffer {
  return Buffer.from([
    0x6b,
    0x38,
    0x73,
    0x00,
    ...msg(1, str(1, apiVersion), str(2, kind)),
    ...msg(2, ...raw),
    ...str(3, ''),
    ...str(4, ''),
  ]);
}

function apiErrorOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    return err;
  }
  assert.fail('expected an ApiError');
}

test('kubectl create ns demo, byte for byte from the reference', () => {
  const hex =
    '6b387300' +
    '0a0f0a02763112094e616d657370616365' +
    '121c0a140a0464656d6f12001a0022002a0032003800420012001a020a00' +
    '1a002200';
  assert.deepEqual(decodeKubernetesProtobuf(Buffer.from(hex, 'hex')), {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'demo' },
  });
});

test('ConfigMap and Secret maps; secret bytes become base64; pointer booleans keep false', () => {
  const cm = decodeKubernetesProtobuf(
    envelope(
      'v1',
      'ConfigMap',
      meta('cfg', entry(11, 'app', str(2, 'web'))),
      entry(2, 'a', str(2, 'b')),
      entry(3, 'bin', bytes(2, [0, 1, 2])),
      int(4, 0),
    ),
  );
  assert.deepEqual(cm, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cfg', labels: { app: 'web' } },
    data: { a: 'b' },
    binaryData: { bin: 'AAEC' },
    immutable: false,
  });
  const secret = decodeKubernetesProtobuf(
    envelope(
      'v1',
      'Secret',
      meta('s', str(3, 'default')),
      entry(2, 'pw', bytes(2, [...Buffer.from('hunter2')])),
      str(3, 'Opaque'),
    ),
  );
  assert.deepEqual(secret, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's', namespace: 'default' },
    data: { pw: Buffer.from('hunter2').toString('base64') },
    type: 'Opaque',
  });
});

test('Deployment: pointer zero replicas, containers, ports, env, resources, emptyDir volume, intstr', () => {
  const container = msg(
    2,
    str(1, 'web'),
    str(2, 'nginx:1.27'),
    str(3, 'sh'),
    str(3, '-c'),
    msg(6, str(1, 'http'), int(2, 0), int(3, 8080), str(4, 'TCP'), str(5, '')),
    msg(7, str(1, 'MODE'), str(2, 'prod')),
    msg(8, entry(1, 'cpu', msg(2, str(1, '500m'))), entry(2, 'memory', msg(2, str(1, '64Mi')))),
    msg(9, str(1, 'scratch'), int(2, 0), str(3, '/tmp/scratch'), str(4, ''), str(6, '')),
    msg(11, msg(1, msg(2, str(1, '/healthz'), msg(2, int(1, 1), int(2, 0), str(3, 'http')))), int(4, 10)),
    str(13, ''),
    str(14, 'IfNotPresent'),
    int(16, 0),
  );
  const podSpec = msg(
    2,
    msg(1, str(1, 'scratch'), msg(2, msg(2))),
    container,
    str(3, 'Always'),
    int(4, 0),
    msg(14),
  );
  const body = envelope(
    'apps/v1',
    'Deployment',
    meta('web', entry(11, 'app', str(2, 'web'))),
    msg(
      2,
      int(1, 0),
      msg(2, entry(1, 'app', str(2, 'web'))),
      msg(3, msg(1, str(1, ''), entry(11, 'app', str(2, 'web'))), podSpec),
      msg(
        4,
        str(1, 'RollingUpdate'),
        msg(2, msg(1, int(1, 1), int(2, 0), str(3, '25%')), msg(2, int(1, 0), int(2, 1))),
      ),
      int(5, 0),
    ),
    msg(3),
  );
  assert.deepEqual(decodeKubernetesProtobuf(body), {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          volumes: [{ name: 'scratch', emptyDir: {} }],
          containers: [
            {
              name: 'web',
              image: 'nginx:1.27',
              command: ['sh', '-c'],
              ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
              env: [{ name: 'MODE', value: 'prod' }],
              resources: { limits: { cpu: '500m' }, requests: { memory: '64Mi' } },
              volumeMounts: [{ name: 'scratch', mountPath: '/tmp/scratch' }],
              readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10 },
              imagePullPolicy: 'IfNotPresent',
            },
          ],
          restartPolicy: 'Always',
          terminationGracePeriodSeconds: 0,
          securityContext: {},
        },
      },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 1 } },
    },
  });
});

test('negative int32 values (ten-byte varints) and packed repeated int64', () => {
  const body = envelope(
    'v1',
    'Service',
    meta('svc'),
    msg(
      2,
      msg(1, str(1, 'p'), str(2, 'TCP'), int(3, 80), msg(4, int(1, 0), int(2, 8080)), int(5, 0)),
      int(12, -1),
    ),
  );
  const svc = decodeKubernetesProtobuf(body);
  assert.deepEqual(svc.spec, {
    ports: [{ name: 'p', protocol: 'TCP', port: 80, targetPort: 8080 }],
    healthCheckNodePort: -1,
  });
  const job = decodeKubernetesProtobuf(
    envelope(
      'batch/v1',
      'Job',
      meta('j'),
      msg(2, msg(6, msg(2, msg(14, bytes(4, [...varint(1000), ...varint(2000)]))))),
    ),
  );
  assert.deepEqual(
    (job.spec as Record<string, Record<string, Record<string, unknown>>>).template.spec.securityContext,
    {
      supplementalGroups: [1000, 2000],
    },
  );
});

test('SelfSubjectAccessReview from kubectl auth can-i', () => {
  const review = decodeKubernetesProtobuf(
    envelope(
      'authorization.k8s.io/v1',
      'SelfSubjectAccessReview',
      meta(''),
      msg(
        2,
        msg(
          1,
          str(1, 'default'),
          str(2, 'list'),
          str(3, ''),
          str(4, ''),
          str(5, 'pods'),
          str(6, ''),
          str(7, ''),
        ),
      ),
      msg(3, int(1, 0), str(2, ''), str(3, ''), int(4, 0)),
    ),
  );
  assert.deepEqual(review, {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    metadata: {},
    spec: { resourceAttributes: { namespace: 'default', verb: 'list', resource: 'pods' } },
  });
});

test('an unknown kind is 415 naming it; a broken body is 400', () => {
  const err = apiErrorOf(() => decodeKubernetesProtobuf(envelope('apps/v1', 'StatefulSet', meta('x'))));
  assert.equal(err.code, 415);
  assert.equal(err.status.reason, 'UnsupportedMediaType');
  assert.match(err.status.message ?? '', /apps\/v1, Kind=StatefulSet/);
  assert.equal(apiErrorOf(() => decodeKubernetesProtobuf(Buffer.from('{"kind":"x"}'))).code, 400);
  const truncated = envelope('v1', 'Namespace', meta('demo')).subarray(0, 20);
  assert.equal(apiErrorOf(() => decodeKubernetesProtobuf(truncated)).code, 400);
  const badVarint = Buffer.from([
    0x6b, 0x38, 0x73, 0x00, 0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
  ]);
  assert.equal(apiErrorOf(() => decodeKubernetesProtobuf(badVarint)).code, 400);
});
