/**
 * Warnings and errors of a backup or restore, filed as Velero files them: under `velero` (the tool itself),
 * `cluster` (cluster-scoped items) or the item's namespace. Serialized as Velero's `Result` JSON, with empty
 * parts left out, so `<name>-results.gz` reads the same in both tools.
 */
export interface Result {
  velero?: string[];
  cluster?: string[];
  namespaces?: Record<string, string[]>;
}

export interface Results {
  errors: Result;
  warnings: Result;
}

/** Where a message is filed: `velero`, `cluster`, or a namespace name. */
export type ResultScope = { kind: 'velero' } | { kind: 'cluster' } | { kind: 'namespace'; namespace: string };

/** Collects warnings and errors as a run goes; safe to share between concurrent workers of one process. */
export class ResultsCollector {
  readonly #errors: Result = {};
  readonly #warnings: Result = {};
  #errorCount = 0;
  #warningCount = 0;

  error(scope: ResultScope, message: string): void {
    add(this.#errors, scope, message);
    this.#errorCount++;
  }

  warning(scope: ResultScope, message: string): void {
    add(this.#warnings, scope, message);
    this.#warningCount++;
  }

  /** Files under the namespace when there is one, else under `cluster`. */
  itemError(namespace: string | undefined, message: string): void {
    this.error(scopeOf(namespace), message);
  }

  itemWarning(namespace: string | undefined, message: string): void {
    this.warning(scopeOf(namespace), message);
  }

  get errorCount(): number {
    return this.#errorCount;
  }

  get warningCount(): number {
    return this.#warningCount;
  }

  /** A copy, lists in the order the messages came. */
  toJSON(): Results {
    return { errors: structuredClone(this.#errors), warnings: structuredClone(this.#warnings) };
  }
}

export function scopeOf(namespace: string | undefined): ResultScope {
  return namespace ? { kind: 'namespace', namespace } : { kind: 'cluster' };
}

function add(result: Result, scope: ResultScope, message: string): void {
  if (scope.kind === 'velero') {
    result.velero = result.velero ?? [];
    result.velero.push(message);
    return;
  }
  if (scope.kind === 'cluster') {
    result.cluster = result.cluster ?? [];
    result.cluster.push(message);
    return;
  }
  const namespaces = result.namespaces ?? {};
  result.namespaces = namespaces;
  const list = namespaces[scope.namespace] ?? [];
  namespaces[scope.namespace] = list;
  list.push(message);
}

/** How many messages a Result holds. */
export function countResult(result: Result): number {
  let n = (result.velero?.length ?? 0) + (result.cluster?.length ?? 0);
  for (const list of Object.values(result.namespaces ?? {})) n += list.length;
  return n;
}
