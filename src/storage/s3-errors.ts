import { type ErrorCode, LifeboatError } from '../core/errors.ts';
import { cloudError, isNetworkError } from './cloud-errors.ts';

/** What the S3 SDK's errors carry that the translation looks at. */
interface S3ErrorShape {
  name?: string;
  Code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

const THROTTLING = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'ServiceUnavailable',
  'InternalError',
  'RequestTimeout',
  'RequestTimeTooSkewed',
]);

const DENIED = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'AccountProblem',
  'AllAccessDisabled',
]);

export interface S3ErrorContext {
  op: string;
  bucket: string;
  /** The full object key (with the store's prefix), when the operation has one. */
  key?: string;
  /** The put asked for create-if-absent, so a failed precondition means the object exists. */
  conditional?: boolean;
  /** Credential values that must not appear in the message. */
  secrets: readonly (string | undefined)[];
}

/**
 * Translates an S3 SDK (or network) failure into a LifeboatError: missing object → NotFound, refused
 * credentials → PermissionDenied, throttling, 5xx and lost connections → Unavailable (retryable), a failed
 * `If-None-Match` → AlreadyExists. Messages name the operation, bucket and key, never credentials.
 */
export function translateS3Error(err: unknown, ctx: S3ErrorContext): LifeboatError {
  if (err instanceof LifeboatError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as S3ErrorShape;
  const name = e.Code ?? e.name;
  const status = e.$metadata?.httpStatusCode;
  const where = `s3 ${ctx.op} ${ctx.bucket}${ctx.key === undefined ? '' : `/${ctx.key}`}`;
  const original = { name, status, message: e.message };
  const fail = (
    code: Parameters<typeof cloudError>[0],
    message: string,
    retryable?: boolean,
  ): LifeboatError => cloudError(code, message, original, ctx.secrets, retryable);

  // The SDK adds `$metadata` to connection errors too, so they are recognised before looking at responses.
  if (isNetworkError(err)) return fail('Unavailable', `${where}: cannot reach the S3 endpoint`, true);
  if (e.$metadata?.httpStatusCode === undefined && e.$fault === undefined) {
    // Not an S3 response: a failing body stream, a bad argument to the SDK. Not worth retrying as is.
    return new LifeboatError('Internal', `${where}: ${e.message ?? String(err)}`, { cause: err });
  }
  const classified = classify(name ?? '', status, e.$fault, ctx.conditional === true);
  if (classified === undefined) return fail('Internal', `${where}: failed`, false);
  const [code, what, retryable] = classified;
  return fail(code, `${where}: ${what}`, retryable);
}

type Classification = [code: ErrorCode, what: string, retryable?: boolean];

function classify(
  name: string,
  status: number | undefined,
  fault: string | undefined,
  conditional: boolean,
): Classification | undefined {
  if (name === 'NoSuchBucket') return ['Unavailable', 'the bucket does not exist', false];
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) return ['NotFound', 'not found'];
  if (DENIED.has(name) || status === 403 || status === 401)
    return ['PermissionDenied', 'access denied; check the credentials and bucket policy'];
  if (name === 'PreconditionFailed' || status === 412)
    return conditional ? ['AlreadyExists', 'object already exists'] : ['Conflict', 'precondition failed'];
  // A concurrent conditional write is in flight: AWS asks callers to retry, which then sees 412 or success.
  if (name === 'ConditionalRequestConflict' || status === 409)
    return ['Conflict', 'conflicting concurrent request', true];
  if (THROTTLING.has(name) || status === 429 || (status ?? 0) >= 500 || fault === 'server')
    return ['Unavailable', 'service unavailable or throttling', true];
  if (
    name === 'InvalidBucketName' ||
    name === 'InvalidArgument' ||
    name === 'InvalidRequest' ||
    status === 400
  )
    return ['Invalid', 'rejected as invalid'];
  return undefined;
}
