import { isLifeboatError } from '../../core/errors.ts';
import {
  compileLabelSelector,
  type LabelSelector,
  type LabelSelectorObject,
  type Labels,
  labelSelectorFromObject,
  parseLabelSelector,
} from '../../core/selectors/label-selector.ts';
import { badRequest } from '../apiserver/errors.ts';

/**
 * The label selector parser of `src/core/selectors` with the API server's error: a selector that does not parse
 * is `400 BadRequest` carrying the parser's message, as `?labelSelector=` errors are on a real server.
 */

/** Parses `?labelSelector=`; throws `ApiError` 400 with the parser's message. */
export function parseLabelSelectorParam(text: string): LabelSelector {
  try {
    return parseLabelSelector(text);
  } catch (err) {
    if (isLifeboatError(err, 'Invalid')) throw badRequest(err.message);
    throw err;
  }
}

/** Parses `?labelSelector=` into a matcher for hot loops; throws `ApiError` 400 like `parseLabelSelectorParam`. */
export function compileLabelSelectorParam(text: string): (labels: Labels) => boolean {
  return compileLabelSelector(parseLabelSelectorParam(text));
}

/**
 * Converts a `metav1.LabelSelector` found in an object (a Deployment's `spec.selector`, a scale `labelSelectorPath`);
 * throws `ApiError` 400 with the validation message when it is invalid.
 */
export function labelSelectorFromObjectOrBadRequest(
  obj: LabelSelectorObject | null | undefined,
): LabelSelector {
  try {
    return labelSelectorFromObject(obj);
  } catch (err) {
    if (isLifeboatError(err, 'Invalid')) throw badRequest(err.message);
    throw err;
  }
}
