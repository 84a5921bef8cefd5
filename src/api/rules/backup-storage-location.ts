import type { BackupStorageLocation } from '../resources/backup-storage-location.ts';
import type { FieldIssue } from '../validation/field-issue.ts';
import { IssueList } from './issues.ts';

/**
 * Cross-field rules of a BackupStorageLocation: one way of giving the CA bundle, and a bucket that is a
 * bucket (the path inside it goes in prefix). S3 multi-region access point ARNs contain `/` and are allowed.
 */
export function backupStorageLocationRules(location: BackupStorageLocation): FieldIssue[] {
  const out = new IssueList();
  const storage = location.spec.objectStorage;
  const at = (...segments: (string | number)[]) => IssueList.path('spec', 'objectStorage', ...segments);

  if (storage.caCert !== undefined && storage.caCertRef !== undefined) {
    out.add(at('caCertRef'), 'cannot be used together with caCert: keep only caCertRef');
  }
  const bucket = storage.bucket.replace(/^\/+|\/+$/g, '');
  if (bucket.includes('/') && !bucket.startsWith('arn:aws:s3:')) {
    out.add(
      at('bucket'),
      `must be a bucket name without "/" (got ${JSON.stringify(storage.bucket)}): put the path inside the bucket in prefix`,
    );
  }
  return out.issues;
}
