import type { KubeObject } from '../registry/types.ts';
import type { FieldSet } from './field-set.ts';
import { isJsonObject, type JsonObject } from './json-value.ts';
import { compare, toFieldSet } from './structured-merge.ts';
import type { TypeNode } from './type-node.ts';

/**
 * The hand-over between kubectl's client-side apply (the `last-applied-configuration` annotation) and
 * server-side apply, as the real field manager does it for the manager named `kubectl`: conflicts on fields the
 * annotation set and that still hold its values are not conflicts (the user is moving `kubectl apply` to
 * `--server-side`), and a server-side apply keeps the annotation in step so a later client-side apply still
 * computes the right patch.
 */

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** The manager whose applies take part in the hand-over (kubectl's default `--field-manager`). */
export const KUBECTL_MANAGER = 'kubectl';

/**
 * The fields a conflict may be overridden on: those in the live object's last-applied configuration whose
 * values the live object still has. Undefined when there is no readable annotation.
 */
export function fieldsFromLastApplied(
  live: KubeObject,
  liveView: JsonObject,
  view: (obj: KubeObject) => JsonObject,
  type: TypeNode,
): FieldSet | undefined {
  const text = live.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
  if (typeof text !== 'string') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isJsonObject(parsed)) return undefined;
  const lastApplied = {
    ...parsed,
    metadata: isJsonObject(parsed.metadata) ? parsed.metadata : {},
  } as KubeObject;
  const lastView = view(lastApplied);
  return toFieldSet(lastView, type).difference(compare(lastView, liveView, type).modified);
}

/** The annotation value a server-side apply leaves: the applied configuration without the annotation itself. */
export function lastAppliedFor(applied: KubeObject): string {
  const annotations = { ...(applied.metadata.annotations ?? {}) };
  delete annotations[LAST_APPLIED_ANNOTATION];
  const metadata: JsonObject = { ...applied.metadata };
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  else delete metadata.annotations;
  return JSON.stringify({ ...applied, metadata });
}
