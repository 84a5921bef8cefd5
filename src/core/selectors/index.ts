/**
 * Kubernetes label selectors, shared by Lifeboat's backup engine (`--selector`, `labelSelector` in a Backup)
 * and kubesim: the string grammar of apimachinery's `labels.Parse`, `metav1.LabelSelector` objects, matching and
 * the canonical string form. Invalid input throws `LifeboatError('Invalid')` with the real server's message.
 */
export {
  compileLabelSelector,
  everythingSelector,
  formatLabelSelector,
  formatRequirement,
  isEverythingSelector,
  type LabelOperator,
  type LabelRequirement,
  type LabelSelector,
  type LabelSelectorObject,
  type Labels,
  labelSelectorFromObject,
  matchesLabelSelector,
  nothingSelector,
  parseInt64,
  parseLabelSelector,
} from './label-selector.ts';
export { dns1123SubdomainErrors, labelValueErrors, qualifiedNameErrors } from './label-syntax.ts';
