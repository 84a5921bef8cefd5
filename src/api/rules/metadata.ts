import {
  dns1123SubdomainErrors,
  labelValueErrors,
  qualifiedNameErrors,
} from '../../core/selectors/label-syntax.ts';
import type { ObjectMeta } from '../shared/metadata.ts';
import type { FieldIssue } from '../validation/field-issue.ts';
import { IssueList } from './issues.ts';

/**
 * The metadata checks the API server makes on every object, done early so a manifest's mistakes show up
 * in one list: a name (or generateName), a valid name, and valid label and annotation keys and label values.
 */
export function metadataRules(meta: ObjectMeta): FieldIssue[] {
  const out = new IssueList();
  if (!meta.name && !meta.generateName) {
    out.add('metadata.name', 'is required (or set metadata.generateName)');
  } else if (meta.name) {
    for (const problem of dns1123SubdomainErrors(meta.name)) out.add('metadata.name', problem);
  }
  for (const [key, value] of Object.entries(meta.labels ?? {})) {
    const field = IssueList.path('metadata', 'labels', key);
    for (const problem of qualifiedNameErrors(key)) out.add(field, `key ${JSON.stringify(key)}: ${problem}`);
    for (const problem of labelValueErrors(value))
      out.add(field, `value ${JSON.stringify(value)}: ${problem}`);
  }
  for (const key of Object.keys(meta.annotations ?? {})) {
    const field = IssueList.path('metadata', 'annotations', key);
    for (const problem of qualifiedNameErrors(key.toLowerCase())) {
      out.add(field, `key ${JSON.stringify(key)}: ${problem}`);
    }
  }
  return out.issues;
}
