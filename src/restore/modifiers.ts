import jsonPatch from 'fast-json-patch';
import { parse as parseYaml } from 'yaml';
import {
  type JsonPatchOperation,
  type ModifierConditions,
  type ResourceModifierRule,
  validateResourceModifiers,
} from '../api/config/resource-modifiers.ts';
import { formatIssues } from '../api/validation/validate-document.ts';
import { errorMessage, LifeboatError } from '../core/errors.ts';
import { compileLabelSelector, labelSelectorFromObject } from '../core/selectors/index.ts';
import type { KubeObject } from '../kube/types.ts';
import { applyMergePatch, applyStrategicMergePatch } from './patches.ts';

/**
 * Resource modifiers (reference velero.md §5.6): rules from the ConfigMap `spec.resourceModifier` names,
 * each with conditions and one kind of patch. Conditions are judged on the object as it was before any rule
 * ran; patches apply one after the other. A JSON patch whose `test` operation fails leaves the object as it
 * was (that is how a test is meant as a condition); any other failure is an error for that item.
 */

export interface CompiledModifiers {
  /** Applies every matching rule; returns the patched object (a new one) and the names of rules applied. */
  apply(
    object: KubeObject,
    groupResource: string,
    customResource: boolean,
  ): { object: KubeObject; applied: number };
}

/** Parses the data of a resource-modifiers ConfigMap (exactly one key, YAML or JSON). Throws `Invalid`. */
export function parseResourceModifiers(configMap: KubeObject): CompiledModifiers {
  const name = configMap.metadata?.name ?? '';
  const data = (configMap.data ?? {}) as Record<string, string>;
  const keys = Object.keys(data);
  if (keys.length !== 1)
    throw new LifeboatError(
      'Invalid',
      `resource modifiers ConfigMap ${name} must have exactly one data key (has ${keys.length})`,
      { field: 'spec.resourceModifier' },
    );
  let document: unknown;
  try {
    document = parseYaml(data[keys[0]]);
  } catch (err) {
    throw new LifeboatError('Invalid', `resource modifiers ConfigMap ${name}: ${errorMessage(err)}`, {
      field: 'spec.resourceModifier',
    });
  }
  const result = validateResourceModifiers(document);
  if (!result.ok)
    throw new LifeboatError(
      'Invalid',
      `resource modifiers ConfigMap ${name}: ${formatIssues(result.issues)}`,
      {
        field: 'spec.resourceModifier',
      },
    );
  return compileRules(result.value.resourceModifierRules);
}

/** Compiles validated rules. Throws `Invalid` for a bad regular expression or label selector. */
export function compileRules(rules: readonly ResourceModifierRule[]): CompiledModifiers {
  const compiled = rules.map((rule, i) => ({ match: compileConditions(rule.conditions, i), rule }));
  return {
    apply(object, groupResource, customResource) {
      const matching = compiled.filter((c) => c.match(object, groupResource));
      let current: KubeObject = object;
      for (const { rule } of matching) current = applyRule(current, rule, customResource);
      return { object: current, applied: matching.length };
    },
  };
}

function compileConditions(
  conditions: ModifierConditions,
  index: number,
): (object: KubeObject, groupResource: string) => boolean {
  const where = `resourceModifierRules[${index}].conditions`;
  const groupResource = dottedGlob(conditions.groupResource);
  let nameRegex: RegExp | undefined;
  if (conditions.resourceNameRegex) {
    try {
      nameRegex = new RegExp(conditions.resourceNameRegex);
    } catch (err) {
      throw new LifeboatError('Invalid', `${where}.resourceNameRegex: ${errorMessage(err)}`);
    }
  }
  const namespaces =
    conditions.namespaces && conditions.namespaces.length > 0 ? new Set(conditions.namespaces) : undefined;
  let labels: ReturnType<typeof compileLabelSelector> | undefined;
  if (conditions.labelSelector) {
    try {
      labels = compileLabelSelector(labelSelectorFromObject(conditions.labelSelector));
    } catch (err) {
      throw new LifeboatError('Invalid', `${where}.labelSelector: ${errorMessage(err)}`);
    }
  }
  const matches = (conditions.matches ?? []).map((m) => ({ path: m.path, value: patchValue(m.value) }));
  return (object, gr) => {
    if (!groupResource(gr)) return false;
    const name = object.metadata?.name ?? '';
    if (nameRegex && !nameRegex.test(name)) return false;
    const ns = object.metadata?.namespace;
    if (namespaces && (!ns || !namespaces.has(ns))) return false;
    if (labels && !labels(object.metadata?.labels)) return false;
    for (const m of matches) {
      let actual: unknown;
      try {
        actual = jsonPatch.getValueByPointer(object, m.path);
      } catch {
        return false;
      }
      if (JSON.stringify(actual) !== JSON.stringify(m.value)) return false;
    }
    return true;
  };
}

function applyRule(object: KubeObject, rule: ResourceModifierRule, customResource: boolean): KubeObject {
  if (rule.patches && rule.patches.length > 0) {
    const ops = rule.patches.map(toOperation);
    try {
      return jsonPatch.applyPatch(object, ops, true, false).newDocument as KubeObject;
    } catch (err) {
      if ((err as { name?: string }).name === 'TEST_OPERATION_FAILED') return object;
      throw new LifeboatError('Invalid', `resource modifier JSON patch failed: ${errorMessage(err)}`, {
        cause: err,
      });
    }
  }
  let current: unknown = object;
  for (const merge of rule.mergePatches ?? [])
    current = applyMergePatch(current, parsePatchData(merge.patchData));
  for (const strategic of rule.strategicPatches ?? [])
    current = applyStrategicMergePatch(current, parsePatchData(strategic.patchData), customResource);
  return current as KubeObject;
}

function parsePatchData(text: string): unknown {
  try {
    return parseYaml(text);
  } catch (err) {
    throw new LifeboatError(
      'Invalid',
      `resource modifier patchData is not YAML or JSON: ${errorMessage(err)}`,
    );
  }
}

function toOperation(patch: JsonPatchOperation): jsonPatch.Operation {
  const op = patch.operation.toLowerCase();
  const base = { op, path: patch.path } as Record<string, unknown>;
  if (op === 'move' || op === 'copy') base.from = patch.from ?? '';
  if (op === 'add' || op === 'replace' || op === 'test') base.value = patchValue(patch.value ?? '');
  return base as unknown as jsonPatch.Operation;
}

/**
 * A JSON-patch value written as text, as Velero reads it: numbers, booleans, null, objects and arrays are
 * JSON; a value in double quotes is that string; anything else is the string itself.
 */
export function patchValue(text: string): unknown {
  const trimmed = text.trim();
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (typeof parsed !== 'string') return parsed;
    return parsed;
  } catch {
    return text;
  }
}

/** A glob on `resource.group` where `*` stays within one dot-separated part and `**` crosses parts. */
export function dottedGlob(pattern: string): (value: string) => boolean {
  if (!/[*?]/.test(pattern)) return (value) => value === pattern;
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (c === '*') source += '[^.]*';
    else if (c === '?') source += '[^.]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  const re = new RegExp(`^${source}$`);
  return (value) => re.test(value);
}
