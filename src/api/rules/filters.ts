import { IssueList } from './issues.ts';
import { namespacePatternProblem } from './names.ts';

/**
 * Velero's checks on include/exclude list pairs (`ValidateIncludesExcludes` and its scoped variant), with
 * messages that point at the offending entry.
 */
type List = readonly string[] | null | undefined;

export type FilterPair = {
  includes: List;
  excludes: List;
  /** Field paths of the two lists, for messages. */
  includesField: string;
  excludesField: string;
};

/**
 * The "old" style (resources, namespaces): `*` may only stand alone in the includes and never appear in the
 * excludes; nothing may be both included and excluded.
 */
export function checkIncludesExcludes(pair: FilterPair, out: IssueList): void {
  checkStarAlone(pair.includes, pair.includesField, out);
  (pair.excludes ?? []).forEach((item, i) => {
    if (item === '*') {
      out.add(
        IssueList.path(pair.excludesField, i),
        '"*" is not allowed in an exclude list: it would exclude everything',
      );
    }
  });
  checkOverlap(pair, out);
}

/**
 * The scoped style (`includedClusterScopedResources` and friends): `*` may stand alone in either list, and
 * excluding everything leaves nothing to include.
 */
export function checkScopedIncludesExcludes(pair: FilterPair, out: IssueList): void {
  checkStarAlone(pair.includes, pair.includesField, out);
  checkStarAlone(pair.excludes, pair.excludesField, out);
  const excludesAll = (pair.excludes ?? []).includes('*');
  if (excludesAll && (pair.includes ?? []).length > 0) {
    out.add(pair.includesField, `must be empty when ${lastSegment(pair.excludesField)} is "*"`);
  }
  checkOverlap(pair, out);
}

/** Include/exclude checks plus namespace-name checks on every entry. */
export function checkNamespaceFilters(pair: FilterPair, out: IssueList): void {
  checkIncludesExcludes(pair, out);
  for (const [list, field] of [
    [pair.includes, pair.includesField],
    [pair.excludes, pair.excludesField],
  ] as const) {
    (list ?? []).forEach((pattern, i) => {
      const problem = namespacePatternProblem(pattern);
      if (problem !== undefined) out.add(IssueList.path(field, i), problem);
    });
  }
}

function checkStarAlone(list: List, field: string, out: IssueList): void {
  if (list && list.length > 1 && list.includes('*')) {
    out.add(field, 'must be either just "*" or a list of names without "*"');
  }
}

function checkOverlap(pair: FilterPair, out: IssueList): void {
  const included = new Set(pair.includes ?? []);
  (pair.excludes ?? []).forEach((item, i) => {
    if (item !== '*' && included.has(item)) {
      out.add(
        IssueList.path(pair.excludesField, i),
        `${JSON.stringify(item)} is both included (${lastSegment(pair.includesField)}) and excluded`,
      );
    }
  });
}

function lastSegment(field: string): string {
  const dot = field.lastIndexOf('.');
  return dot === -1 ? field : field.slice(dot + 1);
}
