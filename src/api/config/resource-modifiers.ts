import { z } from 'zod';
import { stringList } from '../shared/fields.ts';
import { labelSelectorSchema } from '../shared/label-selector.ts';
import { type ValidationResult, validateDocument } from '../validation/validate-document.ts';

/**
 * The resource-modifiers document a Restore's `spec.resourceModifier` ConfigMap holds (its single data key,
 * in YAML or JSON): rules that patch matching objects before they are created. Velero's format, version
 * `v1`; each rule uses exactly one kind of patch.
 */

export const JSON_PATCH_OPERATIONS = ['add', 'remove', 'replace', 'test', 'move', 'copy'] as const;

export const jsonPatchSchema = z.object({
  operation: z
    .string()
    .refine((op) => (JSON_PATCH_OPERATIONS as readonly string[]).includes(op.toLowerCase()), {
      message: `must be one of ${JSON_PATCH_OPERATIONS.join(', ')}`,
    })
    .describe('RFC 6902 operation: add, remove, replace, test, move or copy.'),
  from: z.string().optional().describe('Source path for move and copy.'),
  path: z.string().min(1).describe('JSON pointer to the field, for example /spec/replicas.'),
  value: z
    .string()
    .optional()
    .describe(
      'The value as text: numbers, booleans, null, {…} and […] are inserted as JSON; anything else as a string.',
    ),
});

export const patchDataSchema = z.object({
  patchData: z.string().min(1).describe('The patch document, YAML or JSON.'),
});

export const modifierConditionsSchema = z.object({
  groupResource: z
    .string()
    .min(1)
    .describe('`resource.group` to match (globs allowed), for example deployments.apps.'),
  resourceNameRegex: z.string().optional().describe('A regular expression the object’s name must match.'),
  namespaces: stringList().optional().describe('Namespaces the object must be in (namespaced objects only).'),
  labelSelector: labelSelectorSchema.optional().describe('Labels the object must match.'),
  matches: z
    .array(z.object({ path: z.string(), value: z.string() }))
    .optional()
    .describe('JSON-pointer paths and the values they must hold.'),
});

export const resourceModifierRuleSchema = z
  .object({
    conditions: modifierConditionsSchema,
    patches: z.array(jsonPatchSchema).optional().describe('RFC 6902 JSON patches.'),
    mergePatches: z.array(patchDataSchema).optional().describe('RFC 7386 merge patches.'),
    strategicPatches: z.array(patchDataSchema).optional().describe('Kubernetes strategic merge patches.'),
  })
  .superRefine((rule, ctx) => {
    const kinds = (['patches', 'mergePatches', 'strategicPatches'] as const).filter(
      (k) => (rule[k]?.length ?? 0) > 0,
    );
    if (kinds.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: [kinds[1]],
        message: `cannot be used together with ${kinds[0]}: a rule uses one kind of patch`,
        input: rule,
      });
    }
  });

export const resourceModifiersSchema = z.object({
  version: z
    .string()
    .refine((v) => v.toLowerCase() === 'v1', { message: 'must be v1, the only version of this format' })
    .describe('The format version: v1.'),
  resourceModifierRules: z.array(resourceModifierRuleSchema).min(1).describe('The rules, applied in order.'),
});

export type JsonPatchOperation = z.infer<typeof jsonPatchSchema>;
export type ModifierConditions = z.infer<typeof modifierConditionsSchema>;
export type ResourceModifierRule = z.infer<typeof resourceModifierRuleSchema>;
export type ResourceModifiers = z.infer<typeof resourceModifiersSchema>;

/** Validates a parsed resource-modifiers document (the ConfigMap data key's YAML or JSON, already parsed). */
export function validateResourceModifiers(document: unknown): ValidationResult<ResourceModifiers> {
  return validateDocument(resourceModifiersSchema, document);
}
