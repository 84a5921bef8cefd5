/**
 * Builds `describe` output as Velero prints it: groups of `Label:  value` lines whose values line up within
 * the group, blank lines between groups, nested groups indented by two spaces, multi-line values continued
 * under the value column.
 */
export class DescribeText {
  readonly #lines: string[] = [];

  /** One group of fields, values aligned; `undefined` values are left out. */
  group(fields: readonly (readonly [string, string | undefined])[], indent = 0): this {
    const shown = fields.filter((f): f is readonly [string, string] => f[1] !== undefined);
    if (shown.length === 0) return this;
    const width = Math.max(...shown.map(([label]) => label.length)) + 3;
    const pad = ' '.repeat(indent);
    for (const [label, value] of shown) {
      const [first, ...rest] = value.split('\n');
      this.#lines.push(`${pad}${`${label}:`.padEnd(width)}${first}`.trimEnd());
      for (const line of rest) this.#lines.push(`${pad}${' '.repeat(width)}${line}`.trimEnd());
    }
    return this;
  }

  /** A heading line (`Namespaces:`) followed by its indented group. */
  section(title: string, fields: readonly (readonly [string, string | undefined])[]): this {
    this.#lines.push(`${title}:`);
    return this.group(fields, 2);
  }

  /** Lines as they are, indented. */
  lines(lines: readonly string[], indent = 0): this {
    for (const line of lines) this.#lines.push(`${' '.repeat(indent)}${line}`.trimEnd());
    return this;
  }

  blank(): this {
    if (this.#lines.length > 0 && this.#lines[this.#lines.length - 1] !== '') this.#lines.push('');
    return this;
  }

  toString(): string {
    const lines = [...this.#lines];
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return `${lines.join('\n')}\n`;
  }
}
