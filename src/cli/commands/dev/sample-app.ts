/**
 * The sample application `lifeboat dev` deploys into the embedded cluster: the kinds a platform team runs
 * (Deployments, a StatefulSet with volumes, ConfigMaps, Secrets, Services, RBAC and a custom resource) spread
 * over two namespaces, so every later demo (backup, restore, migration) has realistic material.
 */
type Manifest = { apiVersion: string; kind: string; metadata: Record<string, unknown>; [k: string]: unknown };

const labels = (app: string): Record<string, string> => ({ app, 'app.kubernetes.io/part-of': 'shop' });

function deployment(namespace: string, name: string, image: string, replicas: number): Manifest {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { namespace, name, labels: labels(name) },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: labels(name) },
        spec: {
          serviceAccountName: 'shop',
          containers: [
            {
              name,
              image,
              ports: [{ containerPort: 8080, name: 'http' }],
              envFrom: [{ configMapRef: { name: 'shop-config' } }],
              env: [
                { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'shop-db', key: 'password' } } },
              ],
            },
          ],
        },
      },
    },
  };
}

function service(namespace: string, name: string, port: number): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace, name, labels: labels(name) },
    spec: { selector: { app: name }, ports: [{ name: 'http', port, targetPort: 8080 }] },
  };
}

export const sampleCrd: Manifest = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'featureflags.shop.example.com' },
  spec: {
    group: 'shop.example.com',
    scope: 'Namespaced',
    names: { plural: 'featureflags', singular: 'featureflag', kind: 'FeatureFlag', shortNames: ['ff'] },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['enabled'],
                properties: {
                  enabled: { type: 'boolean' },
                  rollout: { type: 'integer', minimum: 0, maximum: 100, default: 100 },
                  owner: { type: 'string' },
                },
              },
            },
          },
        },
        additionalPrinterColumns: [
          { name: 'Enabled', type: 'boolean', jsonPath: '.spec.enabled' },
          { name: 'Rollout', type: 'integer', jsonPath: '.spec.rollout' },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
      },
    ],
  },
};

/** The namespaces the sample application lives in. */
export const SAMPLE_NAMESPACES: readonly string[] = ['shop', 'shop-data'];

/** Everything except the CRD, which must be Established before its custom resources are created. */
export function sampleApp(): Manifest[] {
  const shop = 'shop';
  const data = 'shop-data';
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: shop, labels: { team: 'payments' } } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: data, labels: { team: 'payments' } } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace: shop, name: 'shop' } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { namespace: shop, name: 'shop-reader' },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { namespace: shop, name: 'shop-reader' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'shop-reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'shop', namespace: shop }],
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { namespace: shop, name: 'shop-config', labels: labels('shop') },
      data: { CURRENCY: 'EUR', CATALOG_URL: 'http://catalog.shop.svc:80' },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { namespace: shop, name: 'shop-db', labels: labels('shop') },
      type: 'Opaque',
      stringData: { username: 'shop', password: 'not-a-real-password' },
    },
    deployment(shop, 'frontend', 'nginx:1.27', 2),
    deployment(shop, 'catalog', 'ghcr.io/example/catalog:2.4.1', 1),
    service(shop, 'frontend', 80),
    service(shop, 'catalog', 80),
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { namespace: data, name: 'postgres-auth' },
      type: 'Opaque',
      stringData: { POSTGRES_PASSWORD: 'not-a-real-password' },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { namespace: data, name: 'postgres', labels: labels('postgres') },
      spec: { clusterIP: 'None', selector: { app: 'postgres' }, ports: [{ name: 'pg', port: 5432 }] },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { namespace: data, name: 'postgres', labels: labels('postgres') },
      spec: {
        serviceName: 'postgres',
        replicas: 2,
        selector: { matchLabels: { app: 'postgres' } },
        template: {
          metadata: { labels: labels('postgres') },
          spec: {
            containers: [
              {
                name: 'postgres',
                image: 'postgres:17',
                envFrom: [{ secretRef: { name: 'postgres-auth' } }],
                volumeMounts: [{ name: 'pgdata', mountPath: '/var/lib/postgresql/data' }],
              },
            ],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'pgdata' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
          },
        ],
      },
    },
  ];
}

export function sampleCustomResources(): Manifest[] {
  return [
    {
      apiVersion: 'shop.example.com/v1',
      kind: 'FeatureFlag',
      metadata: { namespace: 'shop', name: 'new-checkout' },
      spec: { enabled: true, rollout: 25, owner: 'payments' },
    },
    {
      apiVersion: 'shop.example.com/v1',
      kind: 'FeatureFlag',
      metadata: { namespace: 'shop', name: 'dark-mode' },
      spec: { enabled: false },
    },
  ];
}
