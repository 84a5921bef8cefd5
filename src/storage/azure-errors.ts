import { type ErrorCode, LifeboatError } from '../core/errors.ts';
import { cloudError, isNetworkError } from './cloud-errors.ts';

/** What `@azure/storage-blob`'s RestError carries that the translation looks at. */
interface AzureErrorShape {
  name?: string;
  code?: string;
  statusCode?: number;
  message?: string;
  details?: { errorCode?: string };
}

const DENIED = new Set([
  'AuthenticationFailed',
  'AuthorizationFailure',
  'AuthorizationPermissionMismatch',
  'AuthorizationResourceTypeMismatch',
  'AuthorizationSourceIPMismatch',
  'InsufficientAccountPermissions',
  'AccountIsDisabled',
]);

const BUSY = new Set(['ServerBusy', 'OperationTimedOut', 'InternalError', 'REQUEST_SEND_ERROR']);

export interface AzureErrorContext {
  op: string;
  container: string;
  /** The full blob name (with the store's prefix), when the operation has one. */
  key?: string;
  /** The put asked for create-if-absent, so an existing blob is AlreadyExists. */
  conditional?: boolean;
  secrets: readonly (string | undefined)[];
}

/**
 * Translates an Azure Blob failure into a LifeboatError, as the S3 translation does: missing blob → NotFound,
 * missing container → Unavailable (the location is unusable, the object is not merely absent), refused
 * credentials → PermissionDenied, busy/5xx/network → Unavailable (retryable), a failed `If-None-Match: *` →
 * AlreadyExists. Messages carry no account key or SAS token.
 */
export function translateAzureError(err: unknown, ctx: AzureErrorContext): LifeboatError {
  if (err instanceof LifeboatError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as AzureErrorShape;
  const code = e.details?.errorCode ?? e.code;
  const status = e.statusCode;
  const where = `azure ${ctx.op} ${ctx.container}${ctx.key === undefined ? '' : `/${ctx.key}`}`;
  const original = { name: code ?? e.name, status, message: e.message };
  const fail = (lifeboatCode: ErrorCode, what: string, retryable?: boolean): LifeboatError =>
    cloudError(lifeboatCode, `${where}: ${what}`, original, ctx.secrets, retryable);

  if (isNetworkError(err) || (status === undefined && code === 'REQUEST_SEND_ERROR'))
    return fail('Unavailable', 'cannot reach the blob endpoint', true);
  if (status === undefined && code === undefined)
    return new LifeboatError('Internal', `${where}: ${e.message ?? String(err)}`, { cause: err });
  const classified = classify(code ?? '', status, ctx.conditional === true);
  if (classified === undefined) return fail('Internal', 'failed', false);
  return fail(classified[0], classified[1], classified[2]);
}

function classify(
  code: string,
  status: number | undefined,
  conditional: boolean,
): [code: ErrorCode, what: string, retryable?: boolean] | undefined {
  if (code === 'ContainerNotFound') return ['Unavailable', 'the container does not exist', false];
  if (code === 'BlobNotFound' || status === 404) return ['NotFound', 'not found'];
  if (DENIED.has(code) || status === 403 || status === 401)
    return ['PermissionDenied', 'access denied; check the account key or SAS token'];
  if (code === 'BlobAlreadyExists' || code === 'ConditionNotMet' || status === 412)
    return conditional ? ['AlreadyExists', 'object already exists'] : ['Conflict', 'precondition failed'];
  if (BUSY.has(code) || status === 429 || (status ?? 0) >= 500)
    return ['Unavailable', 'service busy or unavailable', true];
  if (status === 409) return ['Conflict', 'conflicting request', true];
  if (status === 400 || code === 'InvalidResourceName' || code === 'InvalidQueryParameterValue')
    return ['Invalid', 'rejected as invalid'];
  return undefined;
}
