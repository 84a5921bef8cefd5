import { badRequest } from '../apiserver/errors.ts';

/**
 * Field selectors as apimachinery's `fields.ParseSelector` reads them: comma-separated `field=value`,
 * `field==value` or `field!=value` terms, with `\,`, `\=` and `\\` escaping those characters in values. Which
 * fields exist is the caller's business (`fieldsOf` lists them so it can answer
 * `400 field label not supported: <field>`); a missing field's value is the empty string.
 */

export type FieldRequirement = {
  readonly field: string;
  readonly operator: '=' | '!=';
  readonly value: string;
};

export type FieldSelector = {
  /** ANDed terms, in the order the real parser sorts them (by their source text). */
  readonly requirements: readonly FieldRequirement[];
};

const OPERATORS = ['!=', '==', '='] as const;

/**
 * Parses a field selector; the empty string selects everything. Throws `ApiError` 400 with the real parser's
 * messages (`invalid selector: '…'; can't understand '…'`, `invalid field selector: invalid escape sequence: …`).
 */
export function parseFieldSelector(text: string): FieldSelector {
  const terms = splitTerms(text).sort();
  const requirements: FieldRequirement[] = [];
  for (const term of terms) {
    if (term === '') continue;
    const split = splitTerm(term);
    if (!split) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    requirements.push({
      field: split.lhs,
      operator: split.op === '!=' ? '!=' : '=',
      value: unescapeValue(split.rhs),
    });
  }
  return Object.freeze({ requirements: Object.freeze(requirements) });
}

/** Whether every term holds; `get` returns a field's value, or undefined (read as '') when it is absent. */
export function matchesFieldSelector(
  selector: FieldSelector,
  get: (field: string) => string | undefined,
): boolean {
  for (const req of selector.requirements) {
    const actual = get(req.field) ?? '';
    if (req.operator === '=' ? actual !== req.value : actual === req.value) return false;
  }
  return true;
}

/** The distinct field paths the selector reads, in first-use order. */
export function fieldsOf(selector: FieldSelector): string[] {
  return [...new Set(selector.requirements.map((r) => r.field))];
}

/** The canonical string form (`metadata.name=a,status.phase!=Running`), values escaped. */
export function formatFieldSelector(selector: FieldSelector): string {
  return selector.requirements.map((r) => `${r.field}${r.operator}${escapeValue(r.value)}`).join(',');
}

/** `\` → `\\`, `,` → `\,`, `=` → `\=`. */
export function escapeValue(value: string): string {
  return value.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** Splits on unescaped commas, keeping escapes in the terms for `unescapeValue` to read. */
function splitTerms(text: string): string[] {
  if (text.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inEscape = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inEscape) inEscape = false;
    else if (c === '\\') inEscape = true;
    else if (c === ',') {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms;
}

/** The first operator occurrence splits the term; field names have no escaping. */
function splitTerm(term: string): { lhs: string; op: string; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of OPERATORS) {
      if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

function unescapeValue(text: string): string {
  if (!/[\\,=]/.test(text)) return text;
  let out = '';
  let inEscape = false;
  for (const c of text) {
    if (inEscape) {
      if (c !== '\\' && c !== ',' && c !== '=') {
        throw badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      }
      out += c;
      inEscape = false;
    } else if (c === '\\') inEscape = true;
    else if (c === ',' || c === '=') {
      // Go prints the rune with %v, i.e. as its number.
      throw badRequest(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    } else out += c;
  }
  if (inEscape) throw badRequest('invalid field selector: invalid escape sequence: \\');
  return out;
}
