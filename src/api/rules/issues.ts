import { childPath, type FieldIssue, type PathSegment } from '../validation/field-issue.ts';

/** Collects the issues one rule set finds, with paths relative to a base (`spec`, `spec.template`). */
export class IssueList {
  readonly issues: FieldIssue[] = [];

  add(field: string, message: string): void {
    this.issues.push({ field, message });
  }

  /** `base` plus the given segments, formatted as a field path. */
  static path(base: string, ...segments: PathSegment[]): string {
    return segments.reduce<string>((p, s) => childPath(p, s), base);
  }
}

/** Whether a list is set and has items; Velero treats a null or empty list as unset. */
export function isSet(list: readonly unknown[] | null | undefined): list is readonly unknown[] {
  return list !== null && list !== undefined && list.length > 0;
}
