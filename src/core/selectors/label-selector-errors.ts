/**
 * Internal error types of the label selector parser; the public functions turn both into
 * `LifeboatError('Invalid')` carrying the same message.
 */

/** The text does not follow the grammar (`found 'x', expected: …`). */
export class LabelSelectorSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabelSelectorSyntaxError';
  }
}

/** A key, value or operator is not valid (`key: Invalid value: …`). */
export class LabelSelectorValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabelSelectorValidationError';
  }
}
