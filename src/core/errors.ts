/**
 * One error type for the whole of Lifeboat. Adapters translate SDK, HTTP and file-system errors into a
 * `code` at the boundary, so callers decide by code (retry, report, stop) and never by message text.
 */
export const ErrorCodes = [
  'NotFound',
  'AlreadyExists',
  'Conflict',
  /** A resourceVersion or continue token too old for the server (HTTP 410): relist. */
  'Gone',
  'Invalid',
  'Unavailable',
  'PermissionDenied',
  'Corrupt',
  'Locked',
  'Canceled',
  'Timeout',
  'Usage',
  'Internal',
] as const;

export type ErrorCode = (typeof ErrorCodes)[number];

export interface LifeboatErrorOptions {
  cause?: unknown;
  /** Worth trying again as it is (a 503, a lost connection); false for anything a retry cannot fix. */
  retryable?: boolean;
  /** The offending field, as a dotted path (`spec.includedNamespaces[1]`), for validation errors. */
  field?: string;
}

export class LifeboatError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, options: LifeboatErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LifeboatError';
    this.code = code;
    this.retryable = options.retryable ?? (code === 'Unavailable' || code === 'Timeout');
    this.field = options.field;
  }
}

/** A mistake of the person at the keyboard: the CLI prints the message alone and exits 2. */
export class UsageError extends LifeboatError {
  constructor(message: string, options: LifeboatErrorOptions = {}) {
    super('Usage', message, options);
    this.name = 'UsageError';
  }
}

export function isLifeboatError(err: unknown, code?: ErrorCode): err is LifeboatError {
  return err instanceof LifeboatError && (code === undefined || err.code === code);
}

/** The message of anything thrown, for logs and results; never a stack. */
/** The `code` of a Node system error (`ENOENT`, `EINVAL`, …), or undefined for anything else. */
export function errnoOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
