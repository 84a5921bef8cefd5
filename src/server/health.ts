/**
 * What `/readyz` reports: a set of named checks (informers synced, leader state known, not shutting down),
 * each failing until it is marked passing. `/healthz` only says the process serves HTTP.
 */
export class Readiness {
  readonly #checks = new Map<string, { ok: boolean; message: string }>();

  /** Declares a check, failing with `message` until `pass` is called. */
  require(name: string, message: string): void {
    this.#checks.set(name, { ok: false, message });
  }

  pass(name: string): void {
    this.#checks.set(name, { ok: true, message: 'ok' });
  }

  fail(name: string, message: string): void {
    this.#checks.set(name, { ok: false, message });
  }

  /** Ready when every declared check passes (and at least one was declared). */
  get ready(): boolean {
    if (this.#checks.size === 0) return false;
    for (const check of this.#checks.values()) if (!check.ok) return false;
    return true;
  }

  /** One line per check, `[+]name ok` or `[-]name <why>`, as the API server's /readyz?verbose prints. */
  report(): string {
    const lines: string[] = [];
    for (const [name, check] of this.#checks)
      lines.push(`${check.ok ? '[+]' : '[-]'}${name} ${check.message}`);
    return lines.join('\n');
  }
}
