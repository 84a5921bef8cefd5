import type { DataUpload } from '../resources/data-upload.ts';
import type { FieldIssue } from '../validation/field-issue.ts';

/** A CSI DataUpload must say which snapshot to move. */
export function dataUploadRules(upload: DataUpload): FieldIssue[] {
  if (upload.spec.snapshotType === 'CSI' && !upload.spec.csiSnapshot) {
    return [{ field: 'spec.csiSnapshot', message: 'is required when snapshotType is CSI' }];
  }
  return [];
}
