/**
 * Selectors as kubesim's API server reads them from `?labelSelector=` and `?fieldSelector=`: parse errors are
 * `ApiError` 400 with the real parser's message; the caller rejects unsupported field labels using `fieldsOf`.
 */
export {
  escapeValue,
  type FieldRequirement,
  type FieldSelector,
  fieldsOf,
  formatFieldSelector,
  matchesFieldSelector,
  parseFieldSelector,
} from './field-selector.ts';
export {
  compileLabelSelectorParam,
  labelSelectorFromObjectOrBadRequest,
  parseLabelSelectorParam,
} from './label-selector.ts';
