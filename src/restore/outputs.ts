import { gzipSync } from 'node:zlib';
import type { Results } from '../core/results.ts';
import { restoreKeys } from '../storage/layout.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import type { RestorePlan } from './types.ts';

/** The outcome of one item in the resource list: Velero's suffixes. */
export type ItemOutcome = 'created' | 'updated' | 'skipped' | 'failed';

/** `{ "<gv>/<Kind>": ["ns/name(created)", "name(skipped)"] }`, as Velero's restore resource list. */
export class ResourceList {
  readonly #entries = new Map<string, string[]>();

  add(gvk: string, namespace: string | undefined, name: string, outcome: ItemOutcome): void {
    let list = this.#entries.get(gvk);
    if (!list) {
      list = [];
      this.#entries.set(gvk, list);
    }
    list.push(`${namespace ? `${namespace}/` : ''}${name}(${outcome})`);
  }

  toJSON(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const key of [...this.#entries.keys()].sort()) out[key] = [...(this.#entries.get(key) ?? [])].sort();
    return out;
  }
}

function gzipJson(value: unknown): Buffer {
  return gzipSync(`${JSON.stringify(value)}\n`);
}

/** Uploads the restore's log, results and resource list (and the plan of a dry run) under `restores/<name>/`. */
export async function uploadRestoreOutputs(
  store: ObjectStore,
  restoreName: string,
  outputs: { log: Buffer; results: Results; resourceList?: ResourceList; plan?: RestorePlan },
): Promise<void> {
  const keys = restoreKeys(restoreName);
  await store.put(keys.log, outputs.log, { contentType: 'application/gzip' });
  await store.put(
    keys.results,
    gzipJson({ warnings: outputs.results.warnings, errors: outputs.results.errors }),
  );
  if (outputs.resourceList) await store.put(keys.resourceList, gzipJson(outputs.resourceList.toJSON()));
  if (outputs.plan) await store.put(keys.dryRunPlan, gzipJson(outputs.plan));
}
