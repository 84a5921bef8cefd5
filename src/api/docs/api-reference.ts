import { REGENERATE_COMMAND } from '../crd/files.ts';
import { type JsonSchema, zodJsonSchema } from '../crd/openapi.ts';
import { API_VERSION, CATEGORY, GROUP } from '../group.ts';
import { RESOURCE_KINDS, type ResourceDefinition, resourceDefinitions } from '../kinds.ts';
import { conditionSchema } from '../shared/conditions.ts';
import { labelSelectorSchema } from '../shared/label-selector.ts';
import {
  objectReferenceSchema,
  secretKeySelectorSchema,
  typedLocalObjectReferenceSchema,
} from '../shared/references.ts';
import { type FieldRow, fieldRows } from './schema-rows.ts';

/**
 * Renders `docs/api.md`, the reference of the `lifeboat.io/v1` resources, from the same schemas the CRDs
 * come from: field tables are generated, the prose around them lives here. A test keeps the committed file
 * in step with this output.
 */
export const API_REFERENCE_PATH = 'docs/api.md';

export function apiReferenceMarkdown(): string {
  const definitions = RESOURCE_KINDS.map((kind) => resourceDefinitions[kind] as ResourceDefinition);
  const parts = [
    intro(definitions),
    validationSection(),
    differencesSection(definitions),
    ...definitions.map(kindSection),
    sharedTypesSection(),
  ];
  return `${parts.join('\n\n').trimEnd()}\n`;
}

function intro(definitions: ResourceDefinition[]): string {
  const rows = definitions.map(
    (d) =>
      `| [${d.kind}](#${d.kind.toLowerCase()}) | \`${d.plural}\` | ${d.shortNames.map((s) => `\`${s}\``).join(', ') || '—'} | ${cell(d.purpose)} |`,
  );
  return `# The \`${API_VERSION}\` API

> Generated from the zod schemas in \`src/api\` by \`${REGENERATE_COMMAND}\`; change the schemas, not this file.

Everything the Lifeboat server does is driven by these custom resources. They are Velero's resources with the
group changed: every Velero field keeps its name, type and meaning, so a Velero manifest works in Lifeboat once
its \`apiVersion\` says \`${API_VERSION}\` (Velero's \`velero.io/v1\`, or \`velero.io/v2alpha1\` for DataUpload and
DataDownload). Lifeboat only adds fields; each is described starting with "Lifeboat:" and all are listed under
[Differences from Velero](#differences-from-velero).

All resources are namespaced and live in the namespace the server runs in (\`lifeboat\` by default). They share
the category \`${CATEGORY}\`, so \`kubectl get ${CATEGORY} -n lifeboat\` lists them all. Their CRDs are in
\`deploy/crds/\` (\`kubectl apply -k deploy/crds\`); the schemas, TypeScript types and validation are exported
by \`src/api/index.ts\`.

| Kind | Resource | Short names | What it is for |
|---|---|---|---|
${rows.join('\n')}`;
}

function validationSection(): string {
  return `## Validation

A resource is checked twice. The API server checks it against the CRD schema: types, required fields, allowed
values, Go durations, RFC 3339 times. Lifeboat's \`validateResource(kind, object)\` (used by the CLI before it
creates anything, and by the controllers before they act, where a failure means phase \`FailedValidation\`)
checks the same shape with messages that name the field (\`spec.includedNamespaces[1]: …\`), reports unknown
fields with a suggestion (\`unknown field "includeNamespaces"; did you mean "includedNamespaces"?\`), checks
metadata (name, label keys and values) and label selectors as the API server would, and then the rules no
schema can express:

- Backup (and a Schedule's template): \`labelSelector\` and \`orLabelSelectors\` are exclusive; the older resource
  filters (\`includedResources\`, \`excludedResources\`, \`includeClusterResources\`) and the scoped ones
  (\`included/excludedClusterScopedResources\`, \`included/excludedNamespaceScopedResources\`) cannot be mixed;
  \`*\` stands alone in an include list and is never excluded by the older filters; nothing is both included
  and excluded; namespace entries are names or globs that can match a namespace; \`resourcePolicy.kind\` is
  \`configmap\`; \`copyTo\` names each location once and not the backup's own.
- Restore: exactly one of \`backupName\` and \`scheduleName\`; no resource that is never restored (nodes, events,
  Lifeboat's and Velero's own bookkeeping) in \`includedResources\`; include/exclude lists as for Backup;
  \`namespaceMapping\` targets are valid namespace names; every post hook sets \`exec\` or \`init\`;
  \`resourceModifier.kind\` is \`ConfigMap\`.
- Schedule: the template's rules; no dry-run template; \`timezone\` is a known IANA zone; \`keep\` sets at least
  one rule; each webhook has exactly one of \`url\` and \`urlSecretRef\`.
- BackupStorageLocation: \`caCert\` and \`caCertRef\` are exclusive; \`bucket\` holds no \`/\` (except S3 access
  point ARNs).
- DataUpload: a CSI upload names its \`csiSnapshot\`.

Checks that need the cluster (does the storage location exist, is it available, is a resource name known)
belong to the controllers.`;
}

function differencesSection(definitions: ResourceDefinition[]): string {
  const added: string[] = [];
  for (const d of definitions) {
    const schema = zodJsonSchema(d.schema);
    for (const part of ['spec', 'status'] as const) {
      const sub = (schema.properties as Record<string, JsonSchema>)[part];
      for (const row of fieldRows(sub, part)) {
        if (row.field.startsWith('spec.template.')) continue; // a Schedule's template is a Backup spec, listed there
        if (row.added && !row.field.endsWith('.conditions') && isTopmostAdded(row, sub, part)) {
          added.push(`| ${d.kind} | \`${row.field}\` | ${cell(stripLifeboat(row.description))} |`);
        }
      }
    }
  }
  return `## Differences from Velero

**Group and version.** \`${GROUP}/v1\` for every kind; DataUpload and DataDownload are \`v2alpha1\` in Velero.
Labels and annotations Lifeboat sets use the \`lifeboat.io\` domain (\`lifeboat.io/backup-name\`,
\`backup.lifeboat.io/backup-volumes\`, …, see \`src/api/labels.ts\`) where Velero uses \`velero.io\`.

**Status subresource on every kind.** Velero's Backup, Restore, DownloadRequest, ServerStatusRequest and
VolumeSnapshotLocation CRDs have none, so Velero writes their status with ordinary updates. In Lifeboat
\`status\` is written only through the \`/status\` subresource, and the status of a newly created object is
discarded by the API server: create first, then set status.

**Conditions.** Every status has a \`conditions\` list (standard \`metav1.Condition\`, merged by \`type\`), so
\`kubectl wait --for=condition=…\` works.

**Printer columns.** \`kubectl get\` shows what \`velero … get\` shows: phase, errors, warnings, times,
locations (see each kind below). Velero's Backup and Restore CRDs print only names.

**Stricter schemas**, rejecting at once what Velero refuses later or cannot act on sensibly: durations must
be Go durations (\`720h0m0s\`, not \`30d\`) and not negative (Velero takes a negative TTL and expires the
backup at once); counts are not negative; label selector operators are
\`In\`, \`NotIn\`, \`Exists\`, \`DoesNotExist\`; \`existingResourcePolicy\` is \`none\` or \`update\`; a DataUpload's
\`snapshotType\` is \`CSI\`; a Schedule's \`schedule\`, a location's \`provider\` and \`bucket\`, a
DeleteBackupRequest's \`backupName\` and a download target's \`name\` are not empty; restore init containers
have \`name\`, \`image\` and \`command\`.

**Added fields:**

| Kind | Field | What it does |
|---|---|---|
${added.join('\n')}

**Added download kind.** DownloadRequest \`target.kind\` also accepts \`RestoreDryRunPlan\`: the per-object plan of
a restore dry run.`;
}

/** An added field whose parent is itself added is listed through its parent only. */
function isTopmostAdded(row: FieldRow, schema: JsonSchema, part: string): boolean {
  const parentPath = row.field.slice(0, row.field.lastIndexOf('.')).replace(/\[\]$/, '');
  if (parentPath === part) return true;
  const parent = fieldRows(schema, part).find((r) => r.field === parentPath);
  return !parent?.added;
}

function kindSection(definition: ResourceDefinition): string {
  const schema = zodJsonSchema(definition.schema);
  const properties = schema.properties as Record<string, JsonSchema>;
  const columns = definition.columns
    .map((c) => (c.priority ? `${c.name} (wide)` : c.name))
    .map((name) => `\`${name}\``)
    .join(', ');
  const short = definition.shortNames.length ? ` Short name: \`${definition.shortNames.join('`, `')}\`.` : '';
  return `## ${definition.kind}

${definition.purpose}

\`kubectl get ${definition.plural}\` prints NAME, ${columns}.${short}

### ${definition.kind} spec

${table(fieldRows(properties.spec, ''))}

### ${definition.kind} status

${table(fieldRows(properties.status, ''))}`;
}

function sharedTypesSection(): string {
  const shared: [string, string, JsonSchema][] = [
    [
      'LabelSelector',
      'Kubernetes’ `metav1.LabelSelector`; matchLabels and matchExpressions are ANDed.',
      zodJsonSchema(labelSelectorSchema),
    ],
    [
      'SecretKeySelector',
      'One key of a Secret in the Lifeboat namespace (`corev1.SecretKeySelector`).',
      zodJsonSchema(secretKeySelectorSchema),
    ],
    [
      'TypedLocalObjectReference',
      'An object in the same namespace, by kind and name (`corev1.TypedLocalObjectReference`).',
      zodJsonSchema(typedLocalObjectReferenceSchema),
    ],
    [
      'ObjectReference',
      'Any object, by kind, namespace, name and uid (`corev1.ObjectReference`).',
      zodJsonSchema(objectReferenceSchema),
    ],
    [
      'Condition',
      'A standard `metav1.Condition`, the element of every `status.conditions`.',
      zodJsonSchema(conditionSchema),
    ],
  ];
  const sections = shared.map(
    ([name, text, schema]) => `### ${name}\n\n${text}\n\n${table(fieldRows(schema, ''))}`,
  );
  return `## Shared types

**duration**: a Go duration string (\`720h0m0s\`, \`1h30m\`, \`90s\`, \`0\`), as Velero's \`metav1.Duration\` fields take.
**time**: an RFC 3339 time (\`2024-05-01T12:00:00Z\`), as Kubernetes writes \`metav1.Time\`.
**Container**: a core/v1 Container object; every field of it is kept.

${sections.join('\n\n')}`;
}

function table(rows: FieldRow[]): string {
  if (rows.length === 0) return '_No fields._';
  const lines = rows.map(
    (r) => `| \`${r.field}\` | ${cell(r.type)}${r.required ? ', required' : ''} | ${cell(r.description)} |`,
  );
  return `| Field | Type | Description |\n|---|---|---|\n${lines.join('\n')}`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function stripLifeboat(text: string): string {
  return text.replace(/^Lifeboat:\s*/, '');
}
