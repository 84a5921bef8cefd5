import { z } from 'zod';
import { errorMessage } from '../../core/errors.ts';
import { labelSelectorFromObject } from '../../core/selectors/label-selector.ts';
import { stringList, stringMap } from './fields.ts';

/**
 * Kubernetes' `metav1.LabelSelector`. Beyond the shape, keys, values and operators are checked with the
 * same rules and messages the API server uses (through `src/core/selectors`), so a selector that passes here
 * selects the same objects in the backup engine as it would in `kubectl get -l`.
 */
export const LABEL_SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

export const labelSelectorRequirementSchema = z.object({
  key: z.string().describe('The label key the requirement applies to.'),
  operator: z
    .enum(LABEL_SELECTOR_OPERATORS)
    .describe('How the key relates to the values: In, NotIn, Exists or DoesNotExist.'),
  values: stringList()
    .optional()
    .describe('The values for In and NotIn (at least one); must be empty for Exists and DoesNotExist.')
    .meta({ 'x-kubernetes-list-type': 'atomic' }),
});

export const labelSelectorSchema = z
  .object({
    matchLabels: stringMap()
      .optional()
      .describe('Labels an object must carry with exactly these values (ANDed with matchExpressions).'),
    matchExpressions: z
      .array(labelSelectorRequirementSchema)
      .optional()
      .describe('Requirements an object’s labels must all meet.')
      .meta({ 'x-kubernetes-list-type': 'atomic' }),
  })
  .superRefine((selector, ctx) => {
    try {
      labelSelectorFromObject(selector);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: errorMessage(err), input: selector });
    }
  })
  .meta({ 'x-kubernetes-map-type': 'atomic', 'x-lifeboat-type': 'LabelSelector' });

export type LabelSelector = z.infer<typeof labelSelectorSchema>;
