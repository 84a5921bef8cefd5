import { FieldSet } from './field-set.ts';
import { isJsonObject } from './json-value.ts';

/**
 * `metadata.managedFields` as the real field manager keeps it: one entry per manager identity (name,
 * operation, subresource, and for `Update` entries the API version), its owned fields in FieldsV1 form, and
 * the time its set last changed. Entries are sorted as the real encoder sorts them.
 */

export type ManagedFieldsEntry = {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
};

export type ManagerState = {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource: string;
  time: string | undefined;
  set: FieldSet;
};

/** The identity two entries share when they are the same manager (Apply entries ignore the API version). */
export function managerIdentity(
  manager: string,
  operation: 'Apply' | 'Update',
  apiVersion: string,
  subresource: string,
): string {
  return JSON.stringify([manager, operation, operation === 'Apply' ? '' : apiVersion, subresource]);
}

/** Reads stored entries; malformed ones are skipped, duplicates of one identity are united. */
export function decodeManagedFields(value: unknown): Map<string, ManagerState> {
  const out = new Map<string, ManagerState>();
  if (!Array.isArray(value)) return out;
  for (const raw of value) {
    if (!isJsonObject(raw)) continue;
    const operation = raw.operation;
    if (operation !== 'Apply' && operation !== 'Update') continue;
    const manager = typeof raw.manager === 'string' ? raw.manager : '';
    const apiVersion = typeof raw.apiVersion === 'string' ? raw.apiVersion : '';
    const subresource = typeof raw.subresource === 'string' ? raw.subresource : '';
    const set = FieldSet.fromFieldsV1(raw.fieldsV1);
    const id = managerIdentity(manager, operation, apiVersion, subresource);
    const existing = out.get(id);
    if (existing) {
      existing.set = existing.set.union(set);
      continue;
    }
    out.set(id, {
      manager,
      operation,
      apiVersion,
      subresource,
      time: typeof raw.time === 'string' ? raw.time : undefined,
      set,
    });
  }
  return out;
}

/** Whether a client asked to clear managedFields (`[]` or `[{}]`), which the real server honours on update. */
export function isResetManagedFields(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  if (value.length === 0) return true;
  return value.length === 1 && isJsonObject(value[0]) && Object.keys(value[0]).length === 0;
}

/** Entries for every manager that still owns something, in the real server's order. */
export function encodeManagedFields(managers: Map<string, ManagerState>): ManagedFieldsEntry[] {
  const entries: ManagedFieldsEntry[] = [];
  for (const state of managers.values()) {
    if (state.set.isEmpty()) continue;
    const entry: ManagedFieldsEntry = {
      manager: state.manager,
      operation: state.operation,
      apiVersion: state.apiVersion,
      ...(state.time ? { time: state.time } : {}),
      fieldsType: 'FieldsV1',
      fieldsV1: state.set.toFieldsV1(),
    };
    if (state.subresource) entry.subresource = state.subresource;
    entries.push(entry);
  }
  return entries.sort(compareEntries);
}

function compareEntries(p: ManagedFieldsEntry, q: ManagedFieldsEntry): number {
  if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1;
  const pt = seconds(p.time);
  const qt = seconds(q.time);
  if (pt !== qt) return pt - qt;
  if (p.manager !== q.manager) return p.manager < q.manager ? -1 : 1;
  if (p.apiVersion !== q.apiVersion) return p.apiVersion < q.apiVersion ? -1 : 1;
  const ps = p.subresource ?? '';
  const qs = q.subresource ?? '';
  return ps < qs ? -1 : ps > qs ? 1 : 0;
}

function seconds(time: string | undefined): number {
  if (!time) return 0;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

let lastSecond = Number.NaN;
let lastText = '';

/** `metav1.Time`: RFC 3339 in UTC with second precision (memoised: writes in the same second share it). */
export function formatTime(date: Date): string {
  const second = Math.floor(date.getTime() / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastText = `${date.toISOString().slice(0, 19)}Z`;
  }
  return lastText;
}

/**
 * How a conflicting manager is named in messages: `"kubectl"` for an applier, `"kubectl-edit" using apps/v1`
 * for an updater, with `with subresource "status"` when it wrote through one.
 */
export function describeManager(
  state: Pick<ManagerState, 'manager' | 'operation' | 'apiVersion' | 'subresource'>,
): string {
  let text = JSON.stringify(state.manager);
  if (state.subresource) text += ` with subresource ${JSON.stringify(state.subresource)}`;
  if (state.operation === 'Update') text += ` using ${state.apiVersion}`;
  return text;
}
