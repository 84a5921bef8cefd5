import { ApiError } from '../apiserver/types.ts';

/**
 * A patch that parsed but cannot be applied (a failed `test`, a path that does not exist): the real server
 * answers 422 Invalid with a generic message and the patch library's words in a cause. kubesim puts those words
 * in the message too, so `kubectl patch` shows what went wrong.
 */
export function patchNotApplicable(detail: string): ApiError {
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `the server rejected our request due to an error in our request: ${detail}`,
    reason: 'Invalid',
    details: { causes: [{ reason: 'FieldValueInvalid', message: detail }] },
    code: 422,
  });
}
