import type { LabelOperator, LabelRequirement } from './label-selector.ts';
import { LabelSelectorSyntaxError, LabelSelectorValidationError } from './label-selector-errors.ts';
import { qualifiedNameErrors } from './label-syntax.ts';

/**
 * The lexer and recursive-descent parser of apimachinery's label selector syntax. It mirrors the real parser's
 * token rules (so `in`/`notin` are values inside parentheses, `x in ()` means the empty value) and its error
 * messages, which clients show verbatim.
 */

const Tok = {
  Error: 0,
  End: 1,
  ClosedPar: 2,
  Comma: 3,
  DoesNotExist: 4,
  DoubleEquals: 5,
  Equals: 6,
  GreaterThan: 7,
  Identifier: 8,
  In: 9,
  LessThan: 10,
  NotEquals: 11,
  NotIn: 12,
  OpenPar: 13,
} as const;
type Tok = (typeof Tok)[keyof typeof Tok];

const KEYWORDS = new Map<string, Tok>(
  Object.entries({
    ')': Tok.ClosedPar,
    ',': Tok.Comma,
    '!': Tok.DoesNotExist,
    '==': Tok.DoubleEquals,
    '=': Tok.Equals,
    '>': Tok.GreaterThan,
    in: Tok.In,
    '<': Tok.LessThan,
    '!=': Tok.NotEquals,
    notin: Tok.NotIn,
    '(': Tok.OpenPar,
  }),
);

const BINARY_OPERATORS = 'in, notin, =, ==, !=, gt, lt';

type Item = { tok: Tok; lit: string };

function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

function isSpecial(ch: string): boolean {
  return ch === '=' || ch === '!' || ch === '(' || ch === ')' || ch === ',' || ch === '>' || ch === '<';
}

function lex(text: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  for (;;) {
    while (pos < text.length && isWhitespace(text[pos])) pos++;
    if (pos >= text.length) {
      items.push({ tok: Tok.End, lit: '' });
      return items;
    }
    if (isSpecial(text[pos])) {
      // Longest run of special characters that still spells an operator (`!=`, `==`).
      let buffer = '';
      let last: Item | undefined;
      while (pos < text.length && isSpecial(text[pos])) {
        buffer += text[pos];
        const tok = KEYWORDS.get(buffer);
        if (tok !== undefined) last = { tok, lit: buffer };
        else if (last) break;
        pos++;
      }
      items.push(last ?? { tok: Tok.Error, lit: `error expected: keyword found '${buffer}'` });
      continue;
    }
    const start = pos;
    while (pos < text.length && !isSpecial(text[pos]) && !isWhitespace(text[pos])) pos++;
    const word = text.slice(start, pos);
    const keyword = KEYWORDS.get(word);
    items.push({ tok: keyword ?? Tok.Identifier, lit: word });
  }
}

export type RequirementBuilder = (
  key: string,
  operator: LabelOperator,
  values: readonly string[] | null,
) => LabelRequirement;

const Context = { KeyAndOperator: 0, Values: 1 } as const;
type Context = (typeof Context)[keyof typeof Context];

class Parser {
  private readonly items: Item[];
  private position = 0;
  private readonly build: RequirementBuilder;

  constructor(text: string, build: RequirementBuilder) {
    this.items = lex(text);
    this.build = build;
  }

  private lookahead(context: Context): Item {
    return this.adjust(this.items[this.position], context);
  }

  private consume(context: Context): Item {
    const item = this.items[this.position];
    this.position++;
    return this.adjust(item, context);
  }

  /** In a value position, the keywords `in` and `notin` are ordinary identifiers. */
  private adjust(item: Item, context: Context): Item {
    if (context === Context.Values && (item.tok === Tok.In || item.tok === Tok.NotIn)) {
      return { tok: Tok.Identifier, lit: item.lit };
    }
    return item;
  }

  parse(): LabelRequirement[] {
    const requirements: LabelRequirement[] = [];
    for (;;) {
      const { tok, lit } = this.lookahead(Context.Values);
      if (tok === Tok.End) return requirements;
      if (tok !== Tok.Identifier && tok !== Tok.DoesNotExist) {
        throw new LabelSelectorSyntaxError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
      try {
        requirements.push(this.parseRequirement());
      } catch (err) {
        if (err instanceof LabelSelectorSyntaxError || err instanceof LabelSelectorValidationError) {
          throw new LabelSelectorSyntaxError(`unable to parse requirement: ${err.message}`);
        }
        throw err;
      }
      const next = this.consume(Context.Values);
      if (next.tok === Tok.End) return requirements;
      if (next.tok !== Tok.Comma) {
        throw new LabelSelectorSyntaxError(`found '${next.lit}', expected: ',' or 'end of string'`);
      }
      const after = this.lookahead(Context.Values);
      if (after.tok !== Tok.Identifier && after.tok !== Tok.DoesNotExist) {
        throw new LabelSelectorSyntaxError(`found '${after.lit}', expected: identifier after ','`);
      }
    }
  }

  private parseRequirement(): LabelRequirement {
    const { key, operator } = this.parseKeyAndInferOperator();
    if (operator === 'exists' || operator === '!') return this.build(key, operator, []);
    const op = this.parseOperator();
    const values = op === 'in' || op === 'notin' ? this.parseValues() : this.parseExactValue();
    return this.build(key, op, [...values].sort());
  }

  private parseKeyAndInferOperator(): { key: string; operator: LabelOperator | undefined } {
    let operator: LabelOperator | undefined;
    let item = this.consume(Context.Values);
    if (item.tok === Tok.DoesNotExist) {
      operator = '!';
      item = this.consume(Context.Values);
    }
    if (item.tok !== Tok.Identifier) {
      throw new LabelSelectorSyntaxError(`found '${item.lit}', expected: identifier`);
    }
    const keyErrs = qualifiedNameErrors(item.lit);
    if (keyErrs.length > 0) {
      // The real parser validates the key with an unset field path, which prints as `<nil>`.
      throw new LabelSelectorValidationError(
        `<nil>: Invalid value: ${JSON.stringify(item.lit)}: ${keyErrs.join('; ')}`,
      );
    }
    const next = this.lookahead(Context.Values).tok;
    if ((next === Tok.End || next === Tok.Comma) && operator !== '!') operator = 'exists';
    return { key: item.lit, operator };
  }

  private parseOperator(): LabelOperator {
    const { tok, lit } = this.consume(Context.KeyAndOperator);
    switch (tok) {
      case Tok.In:
        return 'in';
      case Tok.Equals:
        return '=';
      case Tok.DoubleEquals:
        return '==';
      case Tok.GreaterThan:
        return 'gt';
      case Tok.LessThan:
        return 'lt';
      case Tok.NotIn:
        return 'notin';
      case Tok.NotEquals:
        return '!=';
      default:
        throw new LabelSelectorSyntaxError(`found '${lit}', expected: ${BINARY_OPERATORS}`);
    }
  }

  private parseValues(): Set<string> {
    const open = this.consume(Context.Values);
    if (open.tok !== Tok.OpenPar) throw new LabelSelectorSyntaxError(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.lookahead(Context.Values);
    if (tok === Tok.Identifier || tok === Tok.Comma) {
      const values = this.parseIdentifiersList();
      if (this.consume(Context.Values).tok !== Tok.ClosedPar) {
        throw new LabelSelectorSyntaxError(`found '${lit}', expected: ')'`);
      }
      return values;
    }
    if (tok === Tok.ClosedPar) {
      this.consume(Context.Values);
      return new Set(['']);
    }
    throw new LabelSelectorSyntaxError(`found '${lit}', expected: ',', ')' or identifier`);
  }

  /** A possibly empty list of possibly empty values: `(a,,b)` holds `''`, `(,)` is `{''}`. */
  private parseIdentifiersList(): Set<string> {
    const values = new Set<string>();
    for (;;) {
      const { tok, lit } = this.consume(Context.Values);
      if (tok === Tok.Identifier) {
        values.add(lit);
        const next = this.lookahead(Context.Values);
        if (next.tok === Tok.Comma) continue;
        if (next.tok === Tok.ClosedPar) return values;
        throw new LabelSelectorSyntaxError(`found '${next.lit}', expected: ',' or ')'`);
      }
      if (tok === Tok.Comma) {
        if (values.size === 0) values.add('');
        const next = this.lookahead(Context.Values).tok;
        if (next === Tok.ClosedPar) {
          values.add('');
          return values;
        }
        if (next === Tok.Comma) {
          this.consume(Context.Values);
          values.add('');
        }
        continue;
      }
      throw new LabelSelectorSyntaxError(`found '${lit}', expected: ',', or identifier`);
    }
  }

  private parseExactValue(): Set<string> {
    const next = this.lookahead(Context.Values).tok;
    if (next === Tok.End || next === Tok.Comma) return new Set(['']);
    const { tok, lit } = this.consume(Context.Values);
    if (tok === Tok.Identifier) return new Set([lit]);
    throw new LabelSelectorSyntaxError(`found '${lit}', expected: identifier`);
  }
}

/**
 * Parses selector text into requirements in source order, each checked by `build` (which throws
 * `LabelSelectorValidationError`). Throws `LabelSelectorSyntaxError` with the real parser's message.
 */
export function parseRequirements(text: string, build: RequirementBuilder): LabelRequirement[] {
  return new Parser(text, build).parse();
}
