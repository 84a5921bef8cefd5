import { z } from 'zod';
import { stringList, stringMap } from '../shared/fields.ts';
import { type FieldIssue, formatFieldPath } from '../validation/field-issue.ts';
import { type ValidationResult, validateDocument } from '../validation/validate-document.ts';

/**
 * The resource-policies document a Backup's `spec.resourcePolicy` ConfigMap holds (its single data key, in
 * YAML): volume policies that decide per volume whether to skip it, snapshot it or back it up by file
 * system, and an optional include/exclude policy for resources. Velero's format, version `v1`.
 */

/** The volume source types a `volumeTypes` condition can name (Kubernetes volume source field names). */
export const VOLUME_TYPES = [
  'awsAzureDisk',
  'awsElasticBlockStore',
  'azureDisk',
  'azureFile',
  'cinder',
  'cephfs',
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'fc',
  'flocker',
  'flexVolume',
  'gitRepo',
  'glusterfs',
  'gcePersistentDisk',
  'hostPath',
  'iscsi',
  'local',
  'nfs',
  'photonPersistentDisk',
  'portworxVolume',
  'projected',
  'quobyte',
  'rbd',
  'scaleIO',
  'secret',
  'storageOS',
  'vsphereVolume',
] as const;
export type VolumeType = (typeof VOLUME_TYPES)[number];

export const VOLUME_ACTIONS = ['skip', 'snapshot', 'fs-backup', 'custom'] as const;
export type VolumeActionType = (typeof VOLUME_ACTIONS)[number];

/** A Kubernetes quantity such as `10Gi`, `500M` or `1.5e9`. */
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|[KMGTPE]i|[numkMGTPE])?$/;

/** `lo,hi` capacity bounds; either side may be empty (unbounded), each a Kubernetes quantity. */
export function capacityRangeProblem(text: string): string | undefined {
  const parts = text.split(',');
  if (parts.length !== 2)
    return `must be "low,high" such as "10Gi,100Gi" (either side may be empty), got ${JSON.stringify(text)}`;
  for (const part of parts) {
    const q = part.trim();
    if (q !== '' && !QUANTITY.test(q))
      return `${JSON.stringify(q)} is not a Kubernetes quantity such as 10Gi`;
  }
  return undefined;
}

export const volumeConditionsSchema = z.object({
  capacity: z
    .string()
    .superRefine((text, ctx) => {
      const problem = capacityRangeProblem(text);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: text });
    })
    .optional()
    .describe('Capacity bounds `low,high` (for example `10Gi,100Gi`); an empty side is unbounded.'),
  storageClass: stringList().optional().describe('Storage classes the volume’s PVC may have.'),
  nfs: z
    .object({ server: z.string().optional(), path: z.string().optional() })
    .optional()
    .describe('Matches NFS volumes, optionally by server and path.'),
  csi: z
    .object({ driver: z.string().optional(), volumeAttributes: stringMap().optional() })
    .superRefine((csi, ctx) => {
      if (!csi.driver && csi.volumeAttributes !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['driver'],
          message: 'is required when volumeAttributes is set',
          input: csi,
        });
      }
    })
    .optional()
    .describe('Matches CSI volumes, optionally by driver and volume attributes.'),
  volumeTypes: z.array(z.enum(VOLUME_TYPES)).optional().describe('Volume source types that match.'),
  pvcLabels: stringMap().optional().describe('Labels the volume’s PVC must carry.'),
  pvcPhase: stringList().optional().describe('Phases the volume’s PVC may be in (Pending, Bound, Lost).'),
});

export const volumePolicySchema = z.object({
  conditions: volumeConditionsSchema.describe('All conditions must match for the policy to apply.'),
  action: z.object({
    type: z.enum(VOLUME_ACTIONS).describe('skip, snapshot, fs-backup, or custom (for plugins).'),
    parameters: z.record(z.string(), z.unknown()).optional().describe('Parameters for custom actions.'),
  }),
});

export const includeExcludePolicySchema = z.object({
  includedClusterScopedResources: stringList().optional(),
  excludedClusterScopedResources: stringList().optional(),
  includedNamespaceScopedResources: stringList().optional(),
  excludedNamespaceScopedResources: stringList().optional(),
});

export const resourcePoliciesSchema = z.object({
  version: z.literal('v1').describe('The format version; only v1 exists.'),
  volumePolicies: z
    .array(volumePolicySchema)
    .optional()
    .describe('Volume policies, first match wins; volumes no policy matches follow the backup’s settings.'),
  includeExcludePolicy: includeExcludePolicySchema
    .optional()
    .describe('Resource filters merged into the backup’s scoped filters; `*` is not allowed here.'),
});

export type VolumeConditions = z.infer<typeof volumeConditionsSchema>;
export type VolumePolicy = z.infer<typeof volumePolicySchema>;
export type IncludeExcludePolicy = z.infer<typeof includeExcludePolicySchema>;
export type ResourcePolicies = z.infer<typeof resourcePoliciesSchema>;

/** Validates a parsed resource-policies document (the YAML of the ConfigMap's data key, already parsed). */
export function validateResourcePolicies(document: unknown): ValidationResult<ResourcePolicies> {
  return validateDocument(resourcePoliciesSchema, document, { rules: resourcePolicyRules });
}

function resourcePolicyRules(policies: ResourcePolicies): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const policy = policies.includeExcludePolicy;
  if (!policy) return issues;
  for (const key of Object.keys(includeExcludePolicySchema.shape) as (keyof IncludeExcludePolicy)[]) {
    (policy[key] ?? []).forEach((item, i) => {
      if (item === '*') {
        issues.push({
          field: formatFieldPath(['includeExcludePolicy', key, i]),
          message: '"*" is not allowed in an include/exclude policy: name the resources',
        });
      }
    });
  }
  return issues;
}
