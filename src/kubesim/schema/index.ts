/**
 * CustomResourceDefinition schemas: structural-schema checks when a CRD is written, and pruning, defaulting and
 * validation of custom resources against their version's `openAPIV3Schema`, with the real server's field paths
 * and messages (causes ready for `invalid()` in `apiserver/errors.ts`).
 */
export {
  type CustomResourceCheck,
  defaultCustomResource,
  type FieldValidation,
  strictDecodingMessage,
  validateCustomResource,
} from './custom-resource.ts';
export type { FieldCause } from './field-errors.ts';
export { validateStructuralSchema } from './structural.ts';
