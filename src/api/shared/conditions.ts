import { z } from 'zod';
import { added } from './fields.ts';

/**
 * `metav1.Condition`, the standard shape for "what is true about this object now". Lifeboat's controllers
 * record one condition per aspect (`Ready`, `Validated`, `Uploaded`, …) and change it on every transition,
 * so `kubectl wait --for=condition=…` works on Lifeboat resources. Velero's resources have no conditions;
 * the field is a Lifeboat addition on every status.
 */
export const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;

export const conditionSchema = z
  .object({
    type: z.string().min(1).describe('What the condition is about, in CamelCase (for example `Ready`).'),
    status: z.enum(CONDITION_STATUSES).describe('True, False or Unknown.'),
    observedGeneration: z
      .int()
      .min(0)
      .meta({ format: 'int64' })
      .optional()
      .describe('The metadata.generation the condition was computed from.'),
    lastTransitionTime: z.iso
      .datetime({ offset: true })
      .meta({ 'x-lifeboat-type': 'time' })
      .describe('When the status last changed.'),
    reason: z.string().min(1).describe('A CamelCase machine-readable reason for the last transition.'),
    message: z.string().optional().describe('A human-readable explanation of the last transition.'),
  })
  .meta({ 'x-lifeboat-type': 'Condition' });

export type Condition = z.infer<typeof conditionSchema>;

/** The `status.conditions` list, merged by `type` as Kubernetes merges conditions. */
export function conditionsField() {
  return added(
    z
      .array(conditionSchema)
      .optional()
      .describe('Lifeboat: the current state of the object as standard conditions, one per type.')
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] }),
  );
}
